#!/usr/bin/env node
// Builds both programs (scripts/build.mjs), then runs the backend and the
// media gateway together from their compiled output, each a plain node
// process (local runs without Docker). Signals are forwarded; when one program
// exits, the other is stopped. It is one process under `npm run start:all`
// (no shell waiting in between), so a signal sent to npm reaches it.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const entries = [
  ['media-gateway', 'dist/media/main.js'],
  ['backend', 'dist/src/main.js'],
];
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
