// Checks of how Asterisk meets the network and the backend: SIP endpoints
// (staff phones, the Twilio trunk) and what they refer to, the RTP range and
// transport against the ports compose publishes, ARI against the backend's
// credentials and URL, and the node's systemname.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PortMapping } from './deploy-compose.js';
import { objectsOfType, sectionsNamed, value, values, type AsteriskConfig, type Dialplan } from './deploy-asterisk-config.js';
import { dialedEndpoint } from './deploy-asterisk-dialplan-checks.js';

/** Twilio Elastic SIP Trunking signaling ranges (one /30 per edge). */
export const TWILIO_SIGNALING_RANGES = [
  '54.172.60.0/30', '54.244.51.0/30', '54.171.127.192/30', '35.156.191.128/30',
  '54.65.63.192/30', '54.169.127.128/30', '54.252.254.64/30', '177.71.206.192/30',
];

/** ARI: the user the backend logs in with, on the port it connects to and the health check probes. */
export function checkAri(
  root: string,
  read: (file: string) => AsteriskConfig,
  fromCompose: (key: string) => string,
  env: (key: string) => string,
): string[] {
  const problems: string[] = [];
  const ari = read('ari.conf');
  const username = fromCompose('ASTERISK_ARI_USERNAME');
  const password = fromCompose('ASTERISK_ARI_PASSWORD');
  const general = sectionsNamed(ari, 'general')[0];
  if (!general || value(general, 'enabled') !== 'yes') problems.push('ari.conf: ARI is not enabled');
  const user = sectionsNamed(ari, username).find((section) => value(section, 'type') === 'user');
  if (!user) problems.push(`ari.conf: no ARI user named ${username} (the backend's ASTERISK_ARI_USERNAME)`);
  else if (value(user, 'password') !== password || value(user, 'password_format') !== 'plain') {
    problems.push(`ari.conf: the password of ${username} is not the backend's ASTERISK_ARI_PASSWORD`);
  }
  if (env('ASTERISK_ARI_USERNAME') !== username || env('ASTERISK_ARI_PASSWORD') !== password) {
    problems.push('compose: the Asterisk container and the backend do not get the same ARI credentials');
  }
  const http = sectionsNamed(read('http.conf'), 'general')[0];
  const ariUrl = new URL(fromCompose('ASTERISK_ARI_URL') || 'http://invalid');
  const healthcheck = readFileSync(join(root, 'docker/asterisk/healthcheck.sh'), 'utf8');
  const healthPort = /http:\/\/127\.0\.0\.1:(\d+)/.exec(healthcheck)?.[1];
  if (!http || value(http, 'enabled') !== 'yes') problems.push('http.conf: the HTTP server (ARI) is not enabled');
  else {
    const port = value(http, 'bindport');
    if (value(http, 'bindaddr') !== '0.0.0.0') problems.push('http.conf: bindaddr is not 0.0.0.0, the backend cannot reach ARI over the compose network');
    if (port !== ariUrl.port) problems.push(`http.conf: bindport ${port} is not the port of the backend's ASTERISK_ARI_URL (${ariUrl.port})`);
    if (port !== healthPort) problems.push('healthcheck.sh does not probe the port http.conf binds');
  }
  if (ariUrl.hostname !== 'asterisk') problems.push("compose: the backend's ASTERISK_ARI_URL does not point at the asterisk service");
  return problems;
}

/** The node's systemname, the prefix of its channel ids, is the one the container is given. */
export function checkSystemName(asterisk: AsteriskConfig, env: (key: string) => string): string[] {
  const options = sectionsNamed(asterisk, 'options')[0];
  const name = options ? value(options, 'systemname') : undefined;
  if (name === undefined || name === '') return ['asterisk.conf: [options] has no systemname; two nodes would hand out the same channel ids'];
  if (name !== env('ASTERISK_SYSTEM_NAME')) return [`asterisk.conf: systemname ${name} is not the container's ASTERISK_SYSTEM_NAME`];
  return [];
}

export function checkStaff(pjsip: AsteriskConfig, dialplan: Dialplan, env: (key: string) => string): string[] {
  const problems: string[] = [];
  for (const staff of ['100', '101']) {
    const endpoint = objectsOfType(pjsip, 'endpoint').find((section) => section.name === staff);
    if (!endpoint) {
      problems.push(`pjsip.conf: no endpoint for staff extension ${staff}`);
      continue;
    }
    const auth = objectsOfType(pjsip, 'auth').find((section) => section.name === value(endpoint, 'auth'));
    if (!auth || value(auth, 'username') !== staff || value(auth, 'password') !== env(`STAFF_${staff}_PASSWORD`)) {
      problems.push(`pjsip.conf: staff extension ${staff} does not authenticate as ${staff} with STAFF_${staff}_PASSWORD`);
    }
    if (!objectsOfType(pjsip, 'aor').some((section) => section.name === value(endpoint, 'aors'))) problems.push(`pjsip.conf: staff extension ${staff} has no aor to register to`);
    const internal = dialplan.get(value(endpoint, 'context') ?? '')?.get(staff)?.find((p) => p.app === 'Dial');
    if (!internal || dialedEndpoint({ context: '', exten: staff, priority: internal }) !== staff) {
      problems.push(`extensions.conf: extension ${staff} of the staff context does not dial PJSIP/${staff}`);
    }
  }
  return problems;
}

export function checkTwilio(pjsip: AsteriskConfig): string[] {
  const problems: string[] = [];
  const trunk = objectsOfType(pjsip, 'endpoint').find((section) => value(section, 'context') === 'from-twilio' && !values(section, 'outbound_auth').length);
  if (!trunk) return ['pjsip.conf: no inbound Twilio endpoint with context from-twilio'];
  const identify = objectsOfType(pjsip, 'identify').filter((section) => value(section, 'endpoint') === trunk.name);
  const matches = new Set(identify.flatMap((section) => values(section, 'match').flatMap((match) => match.split(',').map((m) => m.trim()))));
  const missing = TWILIO_SIGNALING_RANGES.filter((range) => !matches.has(range));
  if (missing.length > 0) problems.push(`pjsip.conf: ${trunk.name} is not identified by Twilio's signaling ranges ${missing.join(', ')}`);
  if (!values(trunk, 'allow').some((allow) => allow.split(',').includes('ulaw'))) problems.push(`pjsip.conf: ${trunk.name} does not allow ulaw`);
  if (value(trunk, 'auth')) problems.push(`pjsip.conf: ${trunk.name} demands authentication, which Twilio origination does not do`);
  return problems;
}

export function checkReferences(pjsip: AsteriskConfig): string[] {
  const problems: string[] = [];
  const names = (type: string) => new Set(objectsOfType(pjsip, type).map((section) => section.name));
  const refs: Array<[string, string]> = [['transport', 'transport'], ['auth', 'auth'], ['outbound_auth', 'auth'], ['aors', 'aor']];
  for (const endpoint of objectsOfType(pjsip, 'endpoint')) {
    for (const [key, type] of refs) {
      for (const name of values(endpoint, key).flatMap((v) => v.split(',').map((n) => n.trim()))) {
        if (!names(type).has(name)) problems.push(`pjsip.conf: endpoint ${endpoint.name} refers to ${type} ${name}, which does not exist`);
      }
    }
  }
  for (const identify of objectsOfType(pjsip, 'identify')) {
    if (!names('endpoint').has(value(identify, 'endpoint') ?? '')) problems.push(`pjsip.conf: identify ${identify.name} names an unknown endpoint`);
  }
  return problems;
}

export function checkRtpAndTransport(
  rtp: AsteriskConfig,
  pjsip: AsteriskConfig,
  ports: PortMapping[],
  subnet: string | null,
  env: (key: string) => string,
): string[] {
  const problems: string[] = [];
  const general = sectionsNamed(rtp, 'general')[0];
  const start = Number(general && value(general, 'rtpstart'));
  const end = Number(general && value(general, 'rtpend'));
  const published = ports.filter((port) => port.protocol === 'udp' && port.containerEnd > port.containerStart);
  if (!Number.isInteger(start) || !Number.isInteger(end)) problems.push('rtp.conf: rtpstart/rtpend missing');
  else if (published.length !== 1) problems.push(`compose: the asterisk service publishes ${published.length} UDP port ranges, expected the RTP range ${start}-${end}`);
  else {
    const range = published[0]!;
    if (range.containerStart !== start || range.containerEnd !== end) problems.push(`compose: the published RTP range ${range.containerStart}-${range.containerEnd} is not rtp.conf's ${start}-${end}`);
    if (range.hostStart !== range.containerStart || range.hostEnd !== range.containerEnd) problems.push('compose: the RTP range is published on other host ports than Asterisk writes into its SDP');
    if (range.hostIp !== null) problems.push('compose: the RTP range is published on one host address only');
  }
  if (general && value(general, 'strictrtp') !== 'yes') problems.push('rtp.conf: strictrtp is not yes');

  const transports = objectsOfType(pjsip, 'transport');
  if (transports.length !== 1) return [...problems, `pjsip.conf: expected one transport, found ${transports.length}`];
  const transport = transports[0]!;
  const bindPort = Number(/:(\d+)$/.exec(value(transport, 'bind') ?? '')?.[1] ?? 5060);
  if (value(transport, 'protocol') !== 'udp') problems.push('pjsip.conf: the transport is not UDP');
  if (!ports.some((port) => port.protocol === 'udp' && port.containerStart === bindPort && port.hostStart === bindPort && port.hostIp === null)) {
    problems.push(`compose: SIP (${bindPort}/udp) is not published`);
  }
  for (const key of ['external_media_address', 'external_signaling_address']) {
    if (value(transport, key) !== env('ASTERISK_EXTERNAL_ADDRESS')) problems.push(`pjsip.conf: ${key} is not ASTERISK_EXTERNAL_ADDRESS`);
  }
  const localNets = values(transport, 'local_net');
  if (!subnet || !localNets.includes(subnet)) problems.push(`pjsip.conf: local_net does not include the compose network ${subnet ?? '(none)'}`);
  const ari = ports.filter((port) => port.containerStart <= 8088 && port.containerEnd >= 8088);
  if (ari.some((port) => port.hostIp !== '127.0.0.1')) problems.push('compose: ARI (8088) is published beyond the host loopback');
  return problems;
}
