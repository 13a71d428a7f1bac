#!/usr/bin/env node
// Runs the backend and the media gateway together (local runs without Docker),
// each from its compiled output (npm run start:all builds first) as a plain
// node process. Signals are forwarded; when one program exits, the other is
// stopped.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const entries = [
  ['media-gateway', 'dist/media/main.js'],
  ['backend', 'dist/src/main.js'],
];
for (const [name, entry] of entries) {
  if (!existsSync(join(root, entry))) {
    process.stderr.write(`${entry} does not exist: build the ${name} first (npm run build)\n`);
    process.exit(1);
  }
}
const programs = entries.map(([name, entry]) => {
  const child = spawn(process.execPath, [entry], { cwd: root, stdio: 'inherit' });
  return { name, child };
});

let exitCode = null;
const signalled = new Set();
const stop = (child, signal) => {
  if (signalled.has(child) || child.exitCode !== null) return;
  signalled.add(child);
  child.kill(signal);
};
for (const { name, child } of programs) {
  child.on('exit', (code, signal) => {
    if (exitCode === null) {
      exitCode = code ?? (signal ? 1 : 0);
      if (code !== 0) process.stderr.write(`${name} exited (${signal ?? code}); stopping the other program\n`);
      for (const other of programs) if (other.child !== child) stop(other.child, 'SIGTERM');
    }
    if (programs.every((p) => p.child.exitCode !== null || p.child.signalCode !== null)) process.exit(exitCode);
  });
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const { child } of programs) stop(child, signal);
  });
}
