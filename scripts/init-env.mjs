#!/usr/bin/env node
// Creates .env from .env.example with fresh random secrets (ARI password,
// media gateway token). Never overwrites an existing .env.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const target = `${root}.env`;
if (existsSync(target)) {
  process.stdout.write('.env already exists; left unchanged\n');
  process.exit(0);
}
const GENERATED = new Set(['ASTERISK_ARI_PASSWORD', 'MEDIA_GATEWAY_TOKEN']);
const lines = readFileSync(`${root}.env.example`, 'utf8').split('\n');
const filled = lines.map((line) => {
  const match = /^([A-Z0-9_]+)=\s*$/.exec(line);
  return match && GENERATED.has(match[1]) ? `${match[1]}=${randomBytes(24).toString('base64url')}` : line;
});
writeFileSync(target, filled.join('\n'), { mode: 0o600 });
process.stdout.write(`.env created with generated ${[...GENERATED].join(' and ')}\n`);
