// The Asterisk configuration (docker/asterisk/config), rendered by the image's
// own script from the environment compose gives the container, is consistent
// with itself, with the compose file and with the backend. Each check runs on
// the real files and on a copy broken on purpose.
import { afterEach, describe, expect, it } from 'vitest';
import { COMPOSE_FILE } from '../support/deploy-compose.js';
import { checkAsteriskConfig, checkAsteriskConfigAreas, type AreaProblems } from '../support/deploy-asterisk-checks.js';
import type { DotenvVariant } from '../support/deploy-asterisk-render.js';
import { PROJECT_ROOT, copyDeployment, replaceOnce, type ProjectCopy } from '../support/deploy-fixture.js';

const CONFIG = 'docker/asterisk/config';
const EXTENSIONS = `${CONFIG}/extensions.conf`;
const PJSIP = `${CONFIG}/pjsip.conf.template`;
const STAFF_FALLBACK = `${CONFIG}/pjsip_staff_fallback.conf.template`;

const copies: ProjectCopy[] = [];
afterEach(() => {
  for (const copy of copies.splice(0)) copy.remove();
});

function brokenCopy(edits: Array<[string, (text: string) => string | null]>): ProjectCopy {
  const copy = copyDeployment();
  copies.push(copy);
  for (const [path, edit] of edits) copy.edit(path, edit);
  return copy;
}

const replaceAll = (search: string, replacement: string) => (text: string) => text.split(search).join(replacement);

describe('the Asterisk configuration, as the entrypoint renders it', () => {
  let areas: AreaProblems | null = null;
  const problemsOf = (area: keyof AreaProblems) => (areas ??= checkAsteriskConfigAreas(PROJECT_ROOT))[area];

  it("loads every module a loaded module requires, all of them modules of the image's Asterisk release", () => {
    expect(problemsOf('modules')).toEqual([]);
  });

  it('matches an endpoint without authentication by its source address only, and has no anonymous endpoint', () => {
    expect(problemsOf('identification')).toEqual([]);
  });

  it('names only contexts, Goto targets and Stasis applications that exist', () => {
    expect(problemsOf('dialplan')).toEqual([]);
  });

  it('ships the configuration files Asterisk reads at start-up, with our defaults', () => {
    expect(problemsOf('startup-files')).toEqual([]);
  });

  it('is consistent with itself, the compose file and the backend', () => {
    expect(problemsOf('consistency')).toEqual([]);
  });
});

const BROKEN: Array<{ name: string; edits: Array<[string, (text: string) => string | null]>; expected: string }> = [
  {
    name: 'the dialplan sends calls to another Stasis app (the container refuses to start)',
    edits: [[EXTENSIONS, replaceAll('Stasis(prosaas_ai,', 'Stasis(prosaas_bot,')]],
    expected: 'extensions.conf sends calls to Stasis(prosaas_bot) but ARI_APP_NAME is prosaas_ai',
  },
  {
    name: "the Stasis app is not the backend's, even with the container told so",
    edits: [
      [EXTENSIONS, replaceAll('Stasis(prosaas_ai,', 'Stasis(prosaas_bot,')],
      [COMPOSE_FILE, replaceOnce(/(?<= {6}ARI_APP_NAME: )\$\{ARI_APP_NAME:-prosaas_ai\}(?=\n {6}ASTERISK_EXTERNAL_ADDRESS)/, 'prosaas_bot')],
    ],
    expected: 'Stasis(prosaas_bot) in from-twilio/_X., but the backend registers prosaas_ai',
  },
  {
    name: 'asterisk.conf sets no systemname (two nodes would hand out the same channel ids)',
    edits: [[`${CONFIG}/asterisk.conf.template`, replaceOnce('systemname = {{ASTERISK_SYSTEM_NAME}}\n', '')]],
    expected: 'asterisk.conf: [options] has no systemname',
  },
  {
    name: 'asterisk.conf fixes the systemname instead of taking it from the environment',
    edits: [[`${CONFIG}/asterisk.conf.template`, replaceOnce('systemname = {{ASTERISK_SYSTEM_NAME}}', 'systemname = pbx')]],
    expected: "asterisk.conf: systemname pbx is not the container's ASTERISK_SYSTEM_NAME",
  },
  {
    name: 'a context an endpoint names is dropped',
    edits: [[EXTENSIONS, (text) => text.slice(0, text.indexOf('; Staff phones call each other'))]],
    expected: 'endpoint 100 names context internal, which extensions.conf does not define',
  },
  {
    name: 'a Goto leads to a context that is gone',
    edits: [[EXTENSIONS, replaceOnce('[prosaas-fallback]', '[ai-fallback]')]],
    expected: 'Goto target prosaas-fallback,s,1 does not exist',
  },
  {
    name: 'a failed Stasis drops the caller',
    edits: [[EXTENSIONS, replaceOnce('inbound,${EXTEN})\n same => n,GotoIf($["${STASISSTATUS}" = "FAILED"]?fallback)\n same => n,Hangup()\n same => n(fallback),Goto(prosaas-fallback,s,1)\n\nexten => _+X.', 'inbound,${EXTEN})\n same => n,Hangup()\n\nexten => _+X.')]],
    expected: 'from-twilio/_X. drops the caller when Stasis fails',
  },
  {
    name: 'the fallback dials an extension that does not exist',
    edits: [[EXTENSIONS, replaceOnce(' same => n,Dial(PJSIP/100,30)\n same => n,Playback(im-sorry', ' same => n,Dial(PJSIP/199,30)\n same => n,Playback(im-sorry')]],
    expected: 'the fallback of from-twilio/_X. does not dial a PJSIP endpoint of pjsip.conf',
  },
  {
    name: "the transfer context is not where the backend sends callers",
    edits: [[EXTENSIONS, replaceOnce('[prosaas-transfer]', '[transfer]')]],
    expected: 'the backend transfers to prosaas-transfer,s,1, which does not exist',
  },
  {
    name: 'the transfer ignores TRANSFER_TARGET',
    edits: [[EXTENSIONS, replaceOnce('Dial(${TRANSFER_TARGET},30)', 'Dial(PJSIP/100,30)')]],
    expected: 'prosaas-transfer does not Dial(${TRANSFER_TARGET})',
  },
  {
    name: 'a staff extension is not dialed by its own number',
    edits: [[EXTENSIONS, replaceOnce('exten => 101,1,Dial(PJSIP/101,30)', 'exten => 101,1,Dial(PJSIP/100,30)')]],
    expected: 'extension 101 of the staff context does not dial PJSIP/101',
  },
  {
    name: 'a staff password does not come from the environment',
    edits: [[STAFF_FALLBACK, replaceOnce('password = {{STAFF_101_PASSWORD}}', 'password = staff-101-default')]],
    expected: 'staff extension 101 does not authenticate as 101 with STAFF_101_PASSWORD',
  },
  {
    name: 'the RTP range differs from the published ports',
    edits: [[`${CONFIG}/rtp.conf`, replaceOnce('rtpend = 10199', 'rtpend = 10299')]],
    expected: "the published RTP range 10000-10199 is not rtp.conf's 10000-10299",
  },
  {
    name: 'the RTP range is published on other host ports',
    edits: [[COMPOSE_FILE, replaceOnce('"10000-10199:10000-10199/udp"', '"20000-20199:10000-10199/udp"')]],
    expected: 'the RTP range is published on other host ports than Asterisk writes into its SDP',
  },
  {
    name: 'SIP is not published',
    edits: [[COMPOSE_FILE, replaceOnce('      - "5060:5060/udp"\n', '')]],
    expected: 'SIP (5060/udp) is not published',
  },
  {
    name: 'ARI is published publicly',
    edits: [[COMPOSE_FILE, replaceOnce('"127.0.0.1:8088:8088"', '"8088:8088"')]],
    expected: 'ARI (8088) is published beyond the host loopback',
  },
  {
    name: 'the ARI user is fixed instead of taken from the environment',
    edits: [[`${CONFIG}/ari.conf.template`, replaceOnce('[{{ASTERISK_ARI_USERNAME}}]', '[prosaas]')]],
    expected: "no ARI user named ari-check-user (the backend's ASTERISK_ARI_USERNAME)",
  },
  {
    name: 'the ARI password is fixed',
    edits: [[`${CONFIG}/ari.conf.template`, replaceOnce('password = {{ASTERISK_ARI_PASSWORD}}', 'password = asterisk')]],
    expected: "the password of ari-check-user is not the backend's ASTERISK_ARI_PASSWORD",
  },
  {
    name: 'ARI listens on another port than the backend uses',
    edits: [[`${CONFIG}/http.conf`, replaceOnce('bindport = 8088', 'bindport = 8089')]],
    expected: "bindport 8089 is not the port of the backend's ASTERISK_ARI_URL (8088)",
  },
  {
    name: 'the SDP carries a fixed address instead of the public one',
    edits: [[PJSIP, replaceOnce('external_media_address = {{ASTERISK_EXTERNAL_ADDRESS}}', 'external_media_address = 192.0.2.1')]],
    expected: 'external_media_address is not ASTERISK_EXTERNAL_ADDRESS',
  },
  {
    name: 'local_net misses the compose network',
    edits: [[PJSIP, replaceOnce('local_net = 10.153.53.0/24', 'local_net = 10.99.0.0/24')]],
    expected: 'local_net does not include the compose network 10.153.53.0/24',
  },
  {
    name: "a Twilio edge's signaling range is missing",
    edits: [[PJSIP, replaceOnce('match = 54.244.51.0/30\n', '')]],
    expected: "twilio-trunk is not identified by Twilio's signaling ranges 54.244.51.0/30",
  },
  {
    name: 'an endpoint refers to a missing aor',
    edits: [[STAFF_FALLBACK, replaceOnce('aors = 101\n', 'aors = 102\n')]],
    expected: 'endpoint 101 refers to aor 102, which does not exist',
  },
  {
    name: 'a module the dialplan needs is not loaded',
    edits: [[`${CONFIG}/modules.conf`, replaceOnce('load = app_dial.so\n', '')]],
    expected: 'app_dial.so is not loaded, but Dial() needs it',
  },
  {
    name: "a required module's dependency is not loaded (Asterisk exits at start-up)",
    edits: [[`${CONFIG}/modules.conf`, replaceOnce('require = res_rtp_multicast.so\n', '')]],
    expected: 'chan_rtp.so requires res_rtp_multicast, which is not loaded (Asterisk exits at start-up)',
  },
  {
    name: "a loaded module's dependency is noload",
    edits: [[`${CONFIG}/modules.conf`, replaceOnce('load = res_stasis_recording.so\n', 'noload = res_stasis_recording.so\n')]],
    expected: 'res_stasis_playback.so requires res_stasis_recording, which is noload',
  },
  {
    name: 'a module this release does not have is listed',
    edits: [[`${CONFIG}/modules.conf`, replaceOnce('load = app_dial.so\n', 'load = app_dial.so\nload = chan_sip.so\n')]],
    expected: 'load = chan_sip.so, but Asterisk 22.10.1 has no module chan_sip.so',
  },
  {
    name: "a module the image's build does not make is listed",
    edits: [[`${CONFIG}/modules.conf`, replaceOnce('load = app_dial.so\n', 'load = app_dial.so\nload = chan_mobile.so\n')]],
    expected: "the image's build (default menuselect) does not make chan_mobile.so",
  },
  {
    name: 'the Twilio trunk can be matched by the user name in From',
    edits: [[PJSIP, replaceOnce('identify_by = ip\n', '')]],
    expected: 'endpoint twilio-trunk has no auth and can be matched by username',
  },
  {
    name: 'the termination endpoint can be matched by the user name in From',
    edits: [[`${CONFIG}/pjsip_twilio_termination.conf.template`, replaceOnce('identify_by = ip\n', 'identify_by = ip,username\n')]],
    expected: 'endpoint twilio-out has no auth and can be matched by username',
  },
  {
    name: 'an endpoint without auth has no identify section',
    edits: [[PJSIP, replaceOnce('[twilio-trunk-identify]\ntype = identify\nendpoint = twilio-trunk', '[twilio-trunk-identify]\ntype = identify\nendpoint = twilio-out-missing')]],
    expected: 'endpoint twilio-trunk has no auth and no identify section',
  },
  {
    name: 'the trunk is identified from any address',
    edits: [[PJSIP, replaceOnce('match = 54.172.60.0/30\n', 'match = 0.0.0.0/0\n')]],
    expected: 'identify twilio-trunk-identify matches twilio-trunk from any address (0.0.0.0/0)',
  },
  {
    name: 'the trunk is identified by a header a caller writes',
    edits: [[PJSIP, replaceOnce('match = 54.172.60.0/30\n', 'match = 54.172.60.0/30\nmatch_header = X-Twilio: yes\n')]],
    expected: 'identify twilio-trunk-identify matches twilio-trunk by match_header',
  },
  {
    name: 'an anonymous endpoint takes unidentified requests',
    edits: [[PJSIP, (text) => `${text}\n[anonymous]\ntype = endpoint\ncontext = from-twilio\nidentify_by = ip\n`]],
    expected: 'an endpoint named anonymous takes every request nothing else identifies',
  },
  {
    name: 'a chan_sip configuration allows guests',
    edits: [[`${CONFIG}/sip.conf`, () => '[general]\nallowguest = yes\n']],
    expected: 'sip.conf: allowguest is not no',
  },
  {
    name: 'a configuration file Asterisk reads at start-up is not shipped',
    edits: [[`${CONFIG}/stasis.conf`, () => null]],
    expected: 'stasis.conf is not shipped',
  },
  {
    name: 'CDRs are switched back on',
    edits: [[`${CONFIG}/cdr.conf`, replaceOnce('enable = no', 'enable = yes')]],
    expected: 'cdr.conf: [general] enable is "yes", expected "no"',
  },
  {
    name: "a caller's # could start a blind transfer",
    edits: [[`${CONFIG}/features.conf`, replaceOnce('blindxfer =\n', '')]],
    expected: 'features.conf: [featuremap] blindxfer is unset',
  },
  {
    name: 'externalMedia channels cannot be created',
    edits: [[`${CONFIG}/modules.conf`, replaceOnce('require = chan_rtp.so\n', 'noload = chan_rtp.so\n')]],
    expected: 'chan_rtp.so is not loaded, but the deployment needs it',
  },
  {
    name: 'staff endpoints are not read from the database',
    edits: [[`${CONFIG}/sorcery.conf`, replaceOnce('endpoint = realtime,ps_endpoints\n', '')]],
    expected: 'sorcery.conf: [res_pjsip] endpoint is not read from realtime family ps_endpoints',
  },
  {
    name: 'the static fallback phones are read before their realtime rows',
    edits: [
      [
        `${CONFIG}/sorcery.conf`,
        replaceOnce(
          'endpoint = realtime,ps_endpoints\nendpoint = config,pjsip_staff_fallback.conf,criteria=type=endpoint\n',
          'endpoint = config,pjsip_staff_fallback.conf,criteria=type=endpoint\nendpoint = realtime,ps_endpoints\n',
        ),
      ],
    ],
    expected: 'sorcery.conf: [res_pjsip] endpoint is read from config,pjsip.conf, config,pjsip_staff_fallback.conf, realtime,ps_endpoints',
  },
  {
    name: 'a fallback phone is defined in pjsip.conf, hiding its realtime row',
    edits: [[PJSIP, (text) => `${text}\n[100]\ntype = aor\nmax_contacts = 1\n`]],
    expected: 'pjsip.conf: defines 100, which would hide their realtime rows',
  },
  {
    name: 'registrations made in a database outage are kept nowhere',
    edits: [[`${CONFIG}/sorcery.conf`, replaceOnce('contact = astdb,registrar\n', '')]],
    expected: 'sorcery.conf: [res_pjsip] contact has no store but the database',
  },
  {
    name: 'the backend cannot seed the fallback phones',
    edits: [['docker-compose.sip.yml', replaceOnce('      STAFF_101_PASSWORD: ${STAFF_101_PASSWORD:?the backend seeds extension 101 from it, set it in .env}\n', '')]],
    expected: "compose: the backend does not get the Asterisk container's STAFF_101_PASSWORD",
  },
  {
    name: 'a realtime family is read from a table outside our schema',
    edits: [[`${CONFIG}/extconfig.conf`, replaceOnce('ps_auths => pgsql,general,asterisk.ps_auths', 'ps_auths => pgsql,general,ps_auths')]],
    expected: 'extconfig.conf: ps_auths is "pgsql,general,ps_auths", expected "pgsql,general,asterisk.ps_auths"',
  },
  {
    name: 'res_config_pgsql connects to another database than the backend',
    edits: [[`${CONFIG}/res_pgsql.conf.template`, replaceOnce('dbname = {{ASTERISK_DB_NAME}}', 'dbname = asterisk')]],
    expected: "res_pgsql.conf: dbname is not the backend's database",
  },
  {
    name: 'res_config_pgsql may alter the migrated tables',
    edits: [[`${CONFIG}/res_pgsql.conf.template`, replaceOnce('requirements = warn', 'requirements = createclose')]],
    expected: 'res_pgsql.conf: requirements is not warn',
  },
  {
    name: 'the realtime driver is not loaded',
    edits: [[`${CONFIG}/modules.conf`, replaceOnce('require = res_config_pgsql.so\n', '')]],
    expected: 'modules.conf: res_config_pgsql.so is not loaded',
  },
  {
    name: 'the image cannot run res_config_pgsql',
    edits: [['docker/asterisk/Dockerfile', replaceOnce('libpq5 ', '')]],
    expected: 'Dockerfile: the runtime stage does not install libpq5',
  },
  {
    name: 'the image does not build res_config_pgsql',
    edits: [['docker/asterisk/Dockerfile', replaceOnce('libpq-dev ', '')]],
    expected: 'Dockerfile: the build stage does not install libpq-dev',
  },
  {
    name: 'the outbound AMD step is gone',
    edits: [[EXTENSIONS, replaceOnce('[prosaas-outbound]', '[outbound-amd]')]],
    expected: 'outbound calls continue to prosaas-outbound,s,1, which does not exist',
  },
  {
    name: 'the AMD verdict is not handed to the backend',
    edits: [[EXTENSIONS, replaceOnce('Stasis(prosaas_ai,outbound,${AMDSTATUS},${AMDCAUSE})', 'Stasis(prosaas_ai,outbound)')]],
    expected: 'AMD() in prosaas-outbound is not followed by Stasis(prosaas_ai,outbound,${AMDSTATUS},${AMDCAUSE})',
  },
  {
    name: 'AMD() has no module',
    edits: [[`${CONFIG}/modules.conf`, replaceOnce('load = app_amd.so\n', '')]],
    expected: 'app_amd.so is not loaded, but AMD() needs it',
  },
  {
    name: 'the websocket media transport has no channel driver',
    edits: [[`${CONFIG}/modules.conf`, replaceOnce('load = chan_websocket.so\n', '')]],
    expected: 'modules.conf: chan_websocket.so is not loaded',
  },
];

describe('each Asterisk configuration check fails on a broken copy', () => {
  it.each(BROKEN)('$name', ({ edits, expected }) => {
    const copy = brokenCopy(edits);
    // The termination endpoint exists only when Twilio termination is configured.
    const variants: DotenvVariant[] = edits.some(([path]) => path.includes('termination')) ? ['termination'] : ['plain'];
    expect(checkAsteriskConfig(copy.root, variants)).toEqual(expect.arrayContaining([expect.stringContaining(expected)]));
  });

  it('fails loudly on configuration syntax it does not read', () => {
    const copy = brokenCopy([[STAFF_FALLBACK, replaceOnce('[100-auth]', '[100-auth](!)')]]);
    expect(() => checkAsteriskConfig(copy.root)).toThrow(/templates\) are not supported/);
  });
});
