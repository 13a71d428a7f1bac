#!/usr/bin/env node
// Minimal HTTP probe for the Node images, which ship without curl.
//
//   node docker/http-probe.mjs <url> [--bearer-env VARIABLE] [--print]
//
// Exits 0 on a 2xx answer within the timeout, 1 otherwise. --bearer-env sends
// the named environment variable as a bearer token (read here, so the secret
// never appears on a command line); --print writes the body to stdout (ops:
// the gateway's /stats). Used as the images' HEALTHCHECK.
const TIMEOUT_MS = 3000;

const args = process.argv.slice(2);
const url = args.find((arg) => !arg.startsWith('--'));
const bearerIndex = args.indexOf('--bearer-env');
const bearerVariable = bearerIndex >= 0 ? args[bearerIndex + 1] : undefined;
if (!url || (bearerIndex >= 0 && !bearerVariable)) {
  process.stderr.write('usage: http-probe.mjs <url> [--bearer-env VARIABLE] [--print]\n');
  process.exit(2);
}
const headers = {};
if (bearerVariable) headers.authorization = `Bearer ${process.env[bearerVariable] ?? ''}`;

try {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
  const body = await response.text();
  if (args.includes('--print')) process.stdout.write(`${body}\n`);
  if (!response.ok) {
    process.stderr.write(`${url}: HTTP ${response.status}\n`);
    process.exit(1);
  }
} catch (error) {
  process.stderr.write(`${url}: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
