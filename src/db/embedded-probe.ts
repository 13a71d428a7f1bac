// Runs `postgres -V` as the user PostgreSQL will run as: one short process proves
// that the user can reach the binary, execute it and load its libraries.
import { spawn } from 'node:child_process';
import type { SystemUser } from './embedded-reach.js';

export type ProbeResult = { readonly ok: true; readonly version: string } | { readonly ok: false; readonly reason: string };

const PROBE_TIMEOUT_MS = 10_000;
const OUTPUT_LIMIT_CHARS = 2_000;

export function probePostgres(postgres: string, user: SystemUser): Promise<ProbeResult> {
  return new Promise<ProbeResult>((resolveProbe) => {
    const child = spawn(postgres, ['-V'], {
      uid: user.uid,
      gid: user.gid,
      // A folder the user may enter: ours may be private.
      cwd: '/',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      if (output.length < OUTPUT_LIMIT_CHARS) output += chunk.toString('utf8');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    // The first of these settles the promise: a binary that cannot be spawned
    // reports 'error' (EACCES, ENOENT) before its pipes close.
    child.once('error', (error: NodeJS.ErrnoException) => {
      resolveProbe({ ok: false, reason: error.code === 'EACCES' ? 'permission denied' : error.message });
    });
    child.once('close', (code, signal) => {
      const version = /\(PostgreSQL\) (\S+)/.exec(output)?.[1];
      if (code === 0 && version) resolveProbe({ ok: true, version });
      else resolveProbe({ ok: false, reason: `exited with ${signal ?? `code ${code}`}: ${output.trim()}` });
    });
  });
}
