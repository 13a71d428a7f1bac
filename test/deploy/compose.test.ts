// docker-compose.sip.yml: health-gated start order, shared volumes, every
// variable the programs require, and the addresses between the containers.
// Each check runs on the real files and on a copy broken on purpose.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { COMPOSE_FILE, interpolate, loadCompose, parseDotenv, parsePortMapping } from '../support/deploy-compose.js';
import { renderAsteriskConfig } from '../support/deploy-asterisk-render.js';
import { checkCompose, requiredVariables, resolvedEnvironment, SELF_HOSTED_ONLY_ENV } from '../support/deploy-compose-checks.js';
import { loadMediaConfig } from '../../media/config.js';
import { PROJECT_ROOT, copyDeployment, replaceOnce, sampleDotenv, type ProjectCopy } from '../support/deploy-fixture.js';
import { YamlSyntaxError, parseYaml } from '../support/deploy-yaml.js';

const copies: ProjectCopy[] = [];
afterEach(() => {
  for (const copy of copies.splice(0)) copy.remove();
});

function brokenCopy(edits: Array<[string, (text: string) => string]>): ProjectCopy {
  const copy = copyDeployment();
  copies.push(copy);
  for (const [path, edit] of edits) copy.edit(path, edit);
  return copy;
}

describe('docker-compose.sip.yml', () => {
  it('passes every check', () => {
    expect(checkCompose(PROJECT_ROOT)).toEqual([]);
  });

  it('is accepted by `docker compose config` where the compose plugin is installed', () => {
    // The parser-based view is asserted in any case.
    const compose = loadCompose(PROJECT_ROOT);
    expect(Object.keys(compose.services).sort()).toEqual(['asterisk', 'backend', 'https-proxy', 'kokoro', 'media-gateway', 'ollama', 'postgres', 'whisper']);
    const version = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
    if (version.error || version.status !== 0) {
      console.log('note: the Docker CLI compose plugin is not installed here; `docker compose config` was not run');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'compose-config-'));
    try {
      const envFile = join(dir, 'sample.env');
      writeFileSync(envFile, [...sampleDotenv(PROJECT_ROOT)].map(([key, value]) => `${key}=${value}`).join('\n'));
      const result = spawnSync('docker', ['compose', '-f', join(PROJECT_ROOT, COMPOSE_FILE), '--env-file', envFile, 'config', '--format', 'json'], {
        encoding: 'utf8',
      });
      expect(result.stderr).not.toMatch(/error/i);
      expect(result.status).toBe(0);
      const normalized = JSON.parse(result.stdout) as { services: Record<string, { depends_on?: Record<string, { condition: string }> }> };
      expect(Object.keys(normalized.services).sort()).toEqual(Object.keys(compose.services).sort());
      expect(normalized.services.backend?.depends_on?.asterisk?.condition).toBe('service_healthy');
      expect(normalized.services['media-gateway']?.depends_on?.asterisk?.condition).toBe('service_healthy');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('knows which variables the programs require (from their own validation)', () => {
    expect(requiredVariables('backend')).toEqual(expect.arrayContaining(['ASTERISK_ARI_USERNAME', 'ASTERISK_ARI_PASSWORD', 'MEDIA_GATEWAY_TOKEN']));
    expect(requiredVariables('media-gateway')).toEqual(expect.arrayContaining(['MEDIA_GATEWAY_TOKEN', 'DEEPGRAM_API_KEY', 'OPENAI_API_KEY']));
    // The cloud keys are the cascade's and the Realtime engine's: a gateway offering only the self-hosted engine needs none.
    const selfHosted = requiredVariables('media-gateway', { ...SELF_HOSTED_ONLY_ENV });
    expect(selfHosted).toContain('MEDIA_GATEWAY_TOKEN');
    expect(selfHosted).not.toContain('DEEPGRAM_API_KEY');
    expect(selfHosted).not.toContain('OPENAI_API_KEY');
  });

  it('starts a fully self-hosted gateway from a .env without cloud keys, and one with neither keys nor servers refuses, naming them', () => {
    const compose = loadCompose(PROJECT_ROOT);
    const dotenv = sampleDotenv(PROJECT_ROOT);
    dotenv.set('DEEPGRAM_API_KEY', '');
    dotenv.set('OPENAI_API_KEY', '');
    const bare = resolvedEnvironment(compose.services['media-gateway']!, dotenv);
    // Compose itself no longer refuses: the gateway's own validation decides, with one message listing the problems.
    expect(bare.problems).toEqual([]);
    expect(() => loadMediaConfig(bare.env)).toThrow(/DEEPGRAM_API_KEY is required[\s\S]*OPENAI_API_KEY is required/);
    for (const [name, value] of Object.entries(SELF_HOSTED_ONLY_ENV)) dotenv.set(name, value);
    const selfHosted = resolvedEnvironment(compose.services['media-gateway']!, dotenv);
    expect(selfHosted.problems).toEqual([]);
    const config = loadMediaConfig(selfHosted.env);
    expect(config.ai.cascadeConfigured).toBe(false);
    expect(config.ai.selfHosted).not.toBeNull();
  });
});

const BACKEND_WAITS_FOR_ASTERISK = '      asterisk:\n        condition: service_healthy\n      media-gateway:';
const GATEWAY_WAITS_FOR_ASTERISK = '    depends_on:\n      asterisk:\n        condition: service_healthy\n    environment:\n      MEDIA_HTTP_HOST';

/** A second Asterisk service (inserted before the gateway's) named `systemName`. */
const secondAsterisk = (systemName: string) =>
  `  asterisk-b:\n    build:\n      context: docker/asterisk\n    environment:\n      ASTERISK_SYSTEM_NAME: ${systemName}\n` +
  '      ASTERISK_ARI_USERNAME: ${ASTERISK_ARI_USERNAME:?set it}\n      ASTERISK_ARI_PASSWORD: ${ASTERISK_ARI_PASSWORD:?set it}\n' +
  '      ASTERISK_EXTERNAL_ADDRESS: ${ASTERISK_EXTERNAL_ADDRESS:?set it}\n' +
  '      ASTERISK_DB_HOST: postgres\n      ASTERISK_DB_PORT: "5432"\n      ASTERISK_DB_NAME: ${POSTGRES_DB:-prosaas}\n' +
  '      ASTERISK_DB_USER: ${POSTGRES_USER:-prosaas}\n      ASTERISK_DB_PASSWORD: ${POSTGRES_PASSWORD:?set it}\n' +
  '      STAFF_100_PASSWORD: ${STAFF_100_PASSWORD:?set it}\n      STAFF_101_PASSWORD: ${STAFF_101_PASSWORD:?set it}\n\n  media-gateway:\n    build:\n';

const BROKEN: Array<{ name: string; edits: Array<[string, (text: string) => string]>; expected: string }> = [
  {
    name: 'the backend starts before Asterisk is healthy',
    edits: [[COMPOSE_FILE, replaceOnce(BACKEND_WAITS_FOR_ASTERISK, BACKEND_WAITS_FOR_ASTERISK.replace('service_healthy', 'service_started'))]],
    expected: 'backend does not wait for asterisk to be healthy',
  },
  {
    name: 'the gateway does not wait for Asterisk at all',
    edits: [[COMPOSE_FILE, replaceOnce(GATEWAY_WAITS_FOR_ASTERISK, '    environment:\n      MEDIA_HTTP_HOST')]],
    expected: 'media-gateway does not wait for asterisk to be healthy (depends_on condition: none)',
  },
  {
    name: 'the backend does not wait for PostgreSQL',
    edits: [[COMPOSE_FILE, replaceOnce('    depends_on:\n      postgres:\n        condition: service_healthy\n      asterisk:', '    depends_on:\n      asterisk:')]],
    expected: 'backend does not wait for postgres to be healthy',
  },
  {
    name: 'Asterisk has no health check',
    edits: [
      [COMPOSE_FILE, replaceOnce(/ {4}healthcheck:\n {6}test:\n {8}- CMD\n {8}- asterisk-healthcheck\n( {6}\w+: \S+\n)+/, '')],
      ['docker/asterisk/Dockerfile', replaceOnce(/HEALTHCHECK [^\n]*\n/, '')],
    ],
    expected: 'asterisk has no health check',
  },
  {
    name: "Asterisk's health check does not test ARI",
    edits: [[COMPOSE_FILE, replaceOnce('        - asterisk-healthcheck\n', '        - "true"\n')]],
    expected: 'the asterisk health check does not run asterisk-healthcheck',
  },
  {
    name: 'the backend mounts the recordings read-only (retention could not delete them)',
    edits: [[COMPOSE_FILE, replaceOnce('      - recordings:/var/lib/prosaas/recordings\n    ports:', '      - recordings:/var/lib/prosaas/recordings:ro\n    ports:')]],
    expected: 'backend mounts recordings read-only, expected read-write',
  },
  {
    name: 'the backend does not mount the recordings',
    edits: [[COMPOSE_FILE, replaceOnce(/ {4}volumes:\n {6}# Read-write: the daily retention job[^\n]*\n {6}- recordings:\/var\/lib\/prosaas\/recordings\n/, '')]],
    expected: 'backend does not mount the recordings volume',
  },
  {
    name: 'the gateway writes recordings outside the volume',
    edits: [[COMPOSE_FILE, replaceOnce('      RECORDINGS_DIR: /var/lib/prosaas/recordings\n      RECORDING_ENABLED', '      RECORDINGS_DIR: /tmp/recordings\n      RECORDING_ENABLED')]],
    expected: "media-gateway's RECORDINGS_DIR (/tmp/recordings) is not where the recordings volume is mounted",
  },
  {
    name: 'the recordings folder is world-readable',
    edits: [['docker/media-gateway/Dockerfile', replaceOnce('-m 0750', '-m 0755')]],
    expected: 'media-gateway: the image does not create /var/lib/prosaas/recordings with mode 0750',
  },
  {
    name: 'the backend does not get the gateway token it requires',
    edits: [[COMPOSE_FILE, replaceOnce(/ {6}MEDIA_GATEWAY_TOKEN: [^\n]*\n(?= {6}MEDIA_GATEWAY_TIMEOUT_MS)/, '')]],
    expected: 'backend requires MEDIA_GATEWAY_TOKEN, which the compose file does not provide',
  },
  {
    name: 'a required variable may reach the gateway empty',
    edits: [[COMPOSE_FILE, replaceOnce(/(?<= {6})MEDIA_GATEWAY_TOKEN: [^\n]*(?=\n {6}RTP_BIND_HOST)/, 'MEDIA_GATEWAY_TOKEN: ${MEDIA_GATEWAY_TOKEN:-}')]],
    expected: 'media-gateway requires MEDIA_GATEWAY_TOKEN, but the compose file may pass it empty',
  },
  {
    name: 'the cloud keys are required even for a fully self-hosted stack',
    edits: [[COMPOSE_FILE, replaceOnce(/(?<= {6})OPENAI_API_KEY: [^\n]*/, 'OPENAI_API_KEY: ${OPENAI_API_KEY:?set OPENAI_API_KEY in .env}')]],
    expected: 'media-gateway makes OPENAI_API_KEY required, but a gateway offering only the self-hosted engine runs without it',
  },
  {
    name: 'the gateway does not get a cloud key at all',
    edits: [[COMPOSE_FILE, replaceOnce(/ {6}DEEPGRAM_API_KEY: [^\n]*\n/, '')]],
    expected: 'media-gateway does not receive DEEPGRAM_API_KEY',
  },
  {
    name: 'a tunable of the gateway cannot be set from .env',
    edits: [[COMPOSE_FILE, replaceOnce('      TTS_PROVIDER: ${TTS_PROVIDER:-}\n', '')]],
    expected: 'media-gateway does not receive TTS_PROVIDER',
  },
  {
    name: '.env.example lacks a variable the compose file uses',
    edits: [['.env.example', replaceOnce('POSTGRES_DB=prosaas\n', '')]],
    expected: '.env.example: POSTGRES_DB (used by the compose file',
  },
  {
    name: 'the gateway advertises a host name Asterisk would not resolve',
    edits: [[COMPOSE_FILE, replaceOnce('RTP_ADVERTISE_HOST: 10.153.53.10', 'RTP_ADVERTISE_HOST: media-gateway')]],
    expected: 'RTP_ADVERTISE_HOST media-gateway is not an IPv4 address',
  },
  {
    name: "the gateway's fixed address is not the one it advertises",
    edits: [[COMPOSE_FILE, replaceOnce('ipv4_address: 10.153.53.10', 'ipv4_address: 10.153.54.10')]],
    expected: "RTP_ADVERTISE_HOST 10.153.53.10 is not the gateway's fixed address on the compose network (10.153.54.10)",
  },
  {
    name: 'the backend talks to an ARI outside the compose network',
    edits: [[COMPOSE_FILE, replaceOnce('ASTERISK_ARI_URL: http://asterisk:8088', 'ASTERISK_ARI_URL: http://127.0.0.1:8088')]],
    expected: 'backend: ASTERISK_ARI_URL points at 127.0.0.1',
  },
  {
    name: 'a password is written into the compose file',
    edits: [[COMPOSE_FILE, replaceOnce(/(?<= {6}POSTGRES_PASSWORD: )[^\n]*/, 'correct-horse-battery')]],
    expected: 'services.postgres.environment.POSTGRES_PASSWORD is a literal secret',
  },
  {
    name: 'the backend listens on another port than its image probes',
    edits: [[COMPOSE_FILE, replaceOnce('      PORT: "3000"', '      PORT: "3001"')]],
    expected: "backend: the image's HEALTHCHECK does not probe the HTTP port the program listens on (3001)",
  },
  {
    name: 'migrations are turned off',
    edits: [[COMPOSE_FILE, replaceOnce('DB_MIGRATE_ON_START: "true"', 'DB_MIGRATE_ON_START: "false"')]],
    expected: 'backend: migrations are not applied at start',
  },
  {
    name: 'a program rejects the environment compose gives it',
    edits: [[COMPOSE_FILE, replaceOnce('      HOST: 0.0.0.0\n      PORT: "3000"', '      HOST: 0.0.0.0\n      PORT: "not-a-port"')]],
    expected: 'backend: its configuration rejects the compose environment',
  },
  {
    name: 'a variable compose requires that init-env.sh neither generates nor asks for',
    edits: [['docker/init-env.sh', replaceOnce(/\[ -n "\$\(value_of OPENAI_API_KEY\)" \][^\n]*\n/, '')]],
    expected: 'docker/init-env.sh neither generates nor asks for OPENAI_API_KEY',
  },
  {
    name: 'first-run instructions that forget what the newcomer must fill',
    edits: [['README.md', replaceOnce('- `DEEPGRAM_API_KEY` and `OPENAI_API_KEY`: speech recognition and the language model.', '- the API keys of the speech and language providers.')]],
    expected: 'README.md: the first-run instructions do not mention DEEPGRAM_API_KEY',
  },
  {
    name: 'a README that runs something else than the compose file',
    edits: [['README.md', replaceOnce(/^```sh\ndocker\/init-env\.sh && docker compose[^\n]*/, '```sh\nnpm ci && npm run start:all')]],
    expected: 'README.md: the first two commands are not the compose run command and the test command',
  },
  {
    name: 'ARI published where the verify script does not look',
    edits: [[COMPOSE_FILE, replaceOnce('"127.0.0.1:8088:8088"', '"127.0.0.1:18088:8088"')]],
    expected: 'compose: ARI is not published at 127.0.0.1:8088',
  },
  {
    name: 'Asterisk is left to name itself after its container id',
    edits: [[COMPOSE_FILE, replaceOnce(/ {6}ASTERISK_SYSTEM_NAME: [^\n]*\n/, '')]],
    expected: 'compose: asterisk does not set ASTERISK_SYSTEM_NAME',
  },
  {
    name: 'a second Asterisk service has the same systemname',
    edits: [[COMPOSE_FILE, replaceOnce('  media-gateway:\n    build:\n', secondAsterisk('${ASTERISK_SYSTEM_NAME:-asterisk}'))]],
    expected: 'compose: asterisk and asterisk-b share ASTERISK_SYSTEM_NAME asterisk',
  },
  {
    name: 'a misspelt top-level key',
    edits: [[COMPOSE_FILE, replaceOnce('\nvolumes:\n', '\nvolume:\n')]],
    expected: 'compose: unexpected top-level key volume',
  },
];

describe('each compose check fails on a broken copy', () => {
  it.each(BROKEN)('$name', ({ edits, expected }) => {
    const copy = brokenCopy(edits);
    expect(checkCompose(copy.root)).toEqual(expect.arrayContaining([expect.stringContaining(expected)]));
  });

  it('gives two Asterisk services the names compose sets, as the image renders them', () => {
    const copy = brokenCopy([[COMPOSE_FILE, replaceOnce('  media-gateway:\n    build:\n', secondAsterisk('asterisk-b'))]]);
    expect(checkCompose(copy.root).filter((problem) => problem.includes('ASTERISK_SYSTEM_NAME'))).toEqual([]);
    const dotenv = sampleDotenv(copy.root);
    const names = ['asterisk', 'asterisk-b'].map((service) => {
      const rendered = renderAsteriskConfig(copy.root, dotenv, service);
      if ('error' in rendered) throw new Error(rendered.error);
      try {
        return /^systemname = (.*)$/m.exec(readFileSync(join(rendered.dir, 'asterisk.conf'), 'utf8'))?.[1];
      } finally {
        rendered.remove();
      }
    });
    expect(names).toEqual(['asterisk', 'asterisk-b']);
  });

  it('fails loudly on YAML Compose would read differently', () => {
    const copy = brokenCopy([[COMPOSE_FILE, replaceOnce('name: prosaas-voice\n', 'name: prosaas-voice\nname: prosaas-other\n')]]);
    expect(() => checkCompose(copy.root)).toThrow(YamlSyntaxError);
  });

  it('reads a service merged from an anchor as Compose does', () => {
    // A common compose idiom: shared settings under an x- key, merged with <<.
    const copy = brokenCopy([
      [COMPOSE_FILE, replaceOnce('  backend:\n    build:\n', '  backend:\n    <<: *backend-base\n    build:\n')],
      [COMPOSE_FILE, replaceOnce('\nservices:\n', '\nx-backend-base: &backend-base\n  restart: "no"\n  stop_grace_period: 1s\n\nservices:\n')],
    ]);
    const backend = loadCompose(copy.root).services.backend!;
    // Merged keys fill in; the service's own keys win.
    expect(backend.restart).toBe('unless-stopped');
    expect(backend.stop_grace_period).toBe('20s');
    expect(checkCompose(copy.root)).toEqual([]);
  });
});

describe('the strict YAML reader', () => {
  it('reads mappings, sequences, flow collections, block and quoted scalars; scalars stay as written', () => {
    const text = [
      'a: plain value # comment',
      'b:',
      '  - "5060:5060/udp"',
      "  - 'it''s'",
      '  - key: 1',
      '    other: x',
      'c:',
      '  d:',
      '  e: "say \\"hi\\""',
      '  f: ~',
      'g: [0750, true, 1.0]',
      'h: {i: 0x1F}',
      'j: |',
      '  two',
      '  lines',
    ].join('\n');
    expect(parseYaml(text, 'inline')).toEqual({
      a: 'plain value',
      b: ['5060:5060/udp', "it's", { key: '1', other: 'x' }],
      c: { d: null, e: 'say "hi"', f: null },
      g: ['0750', 'true', '1.0'],
      h: { i: '0x1F' },
      j: 'two\nlines\n',
    });
  });

  it('resolves anchors, aliases and merge keys; the mapping\'s own keys win', () => {
    const text = ['base: &base', '  a: 1', '  b: 2', 'extra: &extra', '  c: 3', 'merged:', '  <<: [*base, *extra]', '  b: own', 'alias: *base'].join('\n');
    expect(parseYaml(text, 'inline')).toMatchObject({ merged: { a: '1', b: 'own', c: '3' }, alias: { a: '1', b: '2' } });
  });

  it.each([
    ['a duplicate key', 'a: 1\na: 2', /inline:2: Map keys must be unique/],
    ['a second document', 'a: 1\n---\nb: 2', /inline:2: .*multiple documents/],
    ["Compose's !reset tag", 'a: !reset []', /inline:1: Unresolved tag: !reset/],
    ['an explicit standard tag', 'a: !!str 1', /inline:1: explicit tag .* not supported/],
    ['an alias without anchor', 'a: 1\nb: *nowhere', /inline:2: alias \*nowhere has no anchor/],
    ['a complex key', '? [a, b]\n: 1', /inline:1: a mapping key must be a scalar/],
    ['a tab in indentation', 'a:\n\tb: 1', /inline:2: Tabs are not allowed/],
    ['an unterminated quote', 'a: "open', /inline:1: Missing closing "quote/],
    ['an ambiguous scalar', 'a: b: c', /inline:1: Nested mappings are not allowed in compact mappings/],
  ])('rejects %s', (_name, text, message) => {
    expect(() => parseYaml(text, 'inline')).toThrow(YamlSyntaxError);
    expect(() => parseYaml(text, 'inline')).toThrow(message);
  });

  it('refuses alias expansion beyond its limit', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 6; i++) lines.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`);
    expect(() => parseYaml(lines.join('\n'), 'inline')).toThrow(/inline:1: Excessive alias count/);
  });
});

describe('compose interpolation and mappings', () => {
  const env = new Map([
    ['SET', 'value'],
    ['EMPTY', ''],
  ]);

  it('follows Compose for the forms the file uses', () => {
    expect(interpolate('${SET}', env).value).toBe('value');
    expect(interpolate('${EMPTY:-fallback}', env).value).toBe('fallback');
    expect(interpolate('${EMPTY-fallback}', env).value).toBe('');
    expect(interpolate('${UNSET:-}', env).value).toBe('');
    expect(interpolate('$$SET', env).value).toBe('$SET');
    expect(interpolate('${EMPTY:?needed}', env).refused).toEqual(['EMPTY']);
    expect(interpolate('${EMPTY?needed}', env).refused).toEqual([]);
    expect(() => interpolate('${SET/a/b}', env)).toThrow(/unsupported interpolation/);
    expect(() => interpolate('${A:-${B}}', env)).toThrow(/nested interpolation/);
  });

  it('reads port mappings and refuses other syntaxes', () => {
    expect(parsePortMapping('127.0.0.1:8088:8088')).toMatchObject({ hostIp: '127.0.0.1', hostStart: 8088, containerStart: 8088, protocol: 'tcp' });
    expect(parsePortMapping('10000-10199:10000-10199/udp')).toMatchObject({ hostStart: 10000, hostEnd: 10199, containerEnd: 10199, protocol: 'udp' });
    expect(() => parsePortMapping('8088')).toThrow(/unsupported port mapping/);
  });

  it('reads .env files strictly', () => {
    const parsed = parseDotenv('A=1\n# B=2\n# a comment\nC="x y"\n', 'inline');
    expect([...parsed.values]).toEqual([['A', '1'], ['C', 'x y']]);
    expect([...parsed.documented].sort()).toEqual(['A', 'B', 'C']);
    expect(() => parseDotenv('not an assignment\n', 'inline')).toThrow(/expected KEY=VALUE/);
  });
});
