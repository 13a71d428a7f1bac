// Who can reach the dialplan. PJSIP matches a request to an endpoint by the
// identifiers of endpoint_identifier_order; the "username" identifier matches
// the user part of the From header, which anyone can write. An endpoint
// without inbound authentication must therefore be matched by its source
// address only (identify_by = ip and an identify section), or not at all
// (outbound-only). Anything else lets a stranger call in as that endpoint:
// an INVITE "From: sip:twilio-trunk@anywhere" once reached the AI agent.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { objectsOfType, readAsteriskConfig, value, values, type AsteriskConfig, type ConfigSection } from './deploy-asterisk-config.js';

const list = (section: ConfigSection, key: string) => values(section, key).flatMap((v) => v.split(',').map((x) => x.trim()).filter(Boolean));

/** A match that lets any address through defeats identification by address. */
const MATCH_ANYTHING = /^(0\.0\.0\.0\/0|::\/0|0\.0\.0\.0\/0\.0\.0\.0)$/;

export function checkIdentification(pjsip: AsteriskConfig, renderedDir: string): string[] {
  const problems: string[] = [];
  const identifies = objectsOfType(pjsip, 'identify');
  for (const endpoint of objectsOfType(pjsip, 'endpoint')) {
    if (endpoint.name === 'anonymous') {
      problems.push('pjsip.conf: an endpoint named anonymous takes every request nothing else identifies');
      continue;
    }
    if (value(endpoint, 'auth')) continue;
    const identifyBy = value(endpoint, 'identify_by');
    const by = identifyBy === undefined ? ['username', 'ip'] : list(endpoint, 'identify_by');
    if (by.length === 0 || by.some((method) => method !== 'ip')) {
      problems.push(`pjsip.conf: endpoint ${endpoint.name} has no auth and can be matched by ${by.filter((m) => m !== 'ip').join(', ') || 'nothing'} (identify_by = ${identifyBy ?? 'unset, default username,ip'}); it must be identify_by = ip`);
    }
    const own = identifies.filter((identify) => value(identify, 'endpoint') === endpoint.name);
    const outboundOnly = values(endpoint, 'outbound_auth').length > 0;
    if (own.length === 0 && !outboundOnly) problems.push(`pjsip.conf: endpoint ${endpoint.name} has no auth and no identify section`);
    if (own.length > 0 && outboundOnly) problems.push(`pjsip.conf: outbound-only endpoint ${endpoint.name} is also identified for inbound requests (identify ${own.map((i) => i.name).join(', ')})`);
    for (const identify of own) {
      for (const key of ['match_header', 'match_request_uri']) {
        if (value(identify, key)) problems.push(`pjsip.conf: identify ${identify.name} matches ${endpoint.name} by ${key}, which a caller writes`);
      }
      const matches = list(identify, 'match');
      if (matches.length === 0) problems.push(`pjsip.conf: identify ${identify.name} has no match address`);
      for (const match of matches.filter((m) => MATCH_ANYTHING.test(m))) {
        problems.push(`pjsip.conf: identify ${identify.name} matches ${endpoint.name} from any address (${match})`);
      }
    }
  }
  // chan_sip's guest calls (allowguest) do not exist in Asterisk 22 (no chan_sip); a sip.conf would be a leftover.
  if (existsSync(join(renderedDir, 'sip.conf'))) {
    const sip = readAsteriskConfig(renderedDir, 'sip.conf');
    const general = sip.sections.find((section) => section.name === 'general');
    if (!general || value(general, 'allowguest') !== 'no') problems.push('sip.conf: allowguest is not no');
  }
  return problems;
}

/**
 * Configuration files Asterisk's core and our modules read at start-up. Each
 * is shipped so that the defaults are stated rather than implicit and the
 * start-up log has no "using defaults" notices.
 */
export const STARTUP_FILES: ReadonlyArray<{ file: string; section?: string; key?: string; expected?: string; why?: string }> = [
  { file: 'cdr.conf', section: 'general', key: 'enable', expected: 'no', why: 'CDRs are off (CallLog rows are the record)' },
  { file: 'cel.conf', section: 'general', key: 'enable', expected: 'no', why: 'CEL is off' },
  { file: 'manager.conf', section: 'general', key: 'enabled', expected: 'no', why: 'AMI is off' },
  { file: 'features.conf', section: 'featuremap', key: 'blindxfer', expected: '', why: "a caller's # must not start a transfer" },
  { file: 'features.conf', section: 'featuremap', key: 'disconnect', expected: '', why: "a caller's * must not hang up the bridge" },
  { file: 'ccss.conf' },
  { file: 'acl.conf' },
  { file: 'pjproject.conf', section: 'startup', key: 'type', expected: 'startup' },
  { file: 'pjproject.conf', section: 'log_mappings', key: 'type', expected: 'log_mappings' },
  { file: 'udptl.conf' },
  { file: 'websocket_client.conf' },
  { file: 'stasis.conf' },
];

export function checkStartupFiles(renderedDir: string): string[] {
  const problems: string[] = [];
  for (const { file, section, key, expected, why } of STARTUP_FILES) {
    if (!existsSync(join(renderedDir, file))) {
      problems.push(`${file} is not shipped: Asterisk falls back to implicit defaults`);
      continue;
    }
    if (!section || !key) continue;
    const found = readAsteriskConfig(renderedDir, file).sections.find((s) => s.name === section);
    const actual = found ? value(found, key) : undefined;
    if (actual !== expected) problems.push(`${file}: [${section}] ${key} is ${actual === undefined ? 'unset' : `"${actual}"`}, expected "${expected}"${why ? ` (${why})` : ''}`);
  }
  return problems;
}
