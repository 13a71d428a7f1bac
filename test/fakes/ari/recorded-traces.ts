// Reading the recorded Asterisk traces (ari/traces in the shared reference folder) and normalising ARI JSON so
// that a fake's output compares equal to a recording: times, unique ids, pointers, SIP
// Call-IDs, bridge UUIDs, RTP ports and QoS statistics are replaced by placeholders.

import { readFileSync } from 'node:fs';
import { sharedPath } from '../../support/shared-reference.js';

export type TraceLine = Record<string, unknown> & { seq: number; kind: string };

export function readTrace(name: string): TraceLine[] {
  return readFileSync(sharedPath('ari', 'traces', `${name}.jsonl`), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as TraceLine);
}

const TIME_KEYS = new Set(['timestamp', 'creationtime', 'startup_time', 'last_reload_time']);

export function normalizeAriJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalizeAriJson);
  if (value !== null && typeof value === 'object') {
    const source = value as Record<string, unknown>;
    const normalized: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(source)) {
      if (TIME_KEYS.has(key)) normalized[key] = '<time>';
      else if (key === 'UNICASTRTP_LOCAL_PORT') normalized[key] = '<port>';
      else if (key === 'value' && typeof source['variable'] === 'string' && source['variable'].startsWith('RTPAUDIOQOS')) normalized[key] = '<qos>';
      else normalized[key] = normalizeAriJson(item);
    }
    return normalized;
  }
  if (typeof value === 'string') {
    return value
      .replace(/\b\d{10}\.(\d+)\b/g, '<epoch>.$1')
      .replace(/-0x[0-9a-f]+$/, '-0x<pointer>')
      .replace(/^(WebSocket\/INCOMING)\/0x[0-9a-f]+$/, '$1/0x<pointer>')
      .replace(/^\d+-\d+@127\.0\.0\.1$/, '<sip-call-id>')
      .replace(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, '<bridge-id>');
  }
  return value;
}

/** Normalised JSON text: equal strings mean equal content and equal key order. */
export function normalizedText(value: unknown): string {
  return JSON.stringify(normalizeAriJson(value));
}
