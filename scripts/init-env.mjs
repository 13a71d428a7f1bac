#!/usr/bin/env node
// `npm run env:init`, for running the programs directly (npm run start:all):
// creates .env from .env.example with every secret generated. Never
// overwrites an existing .env. (docker/init-env.sh does the same for the
// compose deployment and also asks for what only you can provide.)
// Without provider keys the media gateway would refuse MEDIA_AGENT=ai, so a
// local .env made without them uses the echo agent (callers hear themselves:
// a two-way audio check) and says how to switch.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const target = `${root}.env`;
if (existsSync(target)) {
  process.stdout.write('.env already exists; left unchanged\n');
  process.exit(0);
}
const SECRETS = new Set([
  'ASTERISK_ARI_PASSWORD',
  'MEDIA_GATEWAY_TOKEN',
  'POSTGRES_PASSWORD',
  'STAFF_100_PASSWORD',
  'STAFF_101_PASSWORD',
  'OPERATOR_TOKEN',
]);
const haveKeys = Boolean(process.env.DEEPGRAM_API_KEY && process.env.OPENAI_API_KEY);
const lines = readFileSync(`${root}.env.example`, 'utf8').split('\n');
const filled = lines.map((line) => {
  const match = /^([A-Z0-9_]+)=\s*$/.exec(line);
  if (match && SECRETS.has(match[1])) return `${match[1]}=${randomBytes(24).toString('hex')}`;
  return line;
});
if (!haveKeys) filled.push('', '# No provider keys yet: callers hear an echo. Set both keys and MEDIA_AGENT=ai for the AI agent.', 'MEDIA_AGENT=echo');
writeFileSync(target, `${filled.join('\n').replace(/\n*$/, '')}\n`, { mode: 0o600 });
process.stdout.write(`.env created with generated secrets (${[...SECRETS].join(', ')})\n`);
if (!haveKeys) process.stdout.write('no DEEPGRAM_API_KEY/OPENAI_API_KEY in the environment: MEDIA_AGENT=echo until you add them\n');
