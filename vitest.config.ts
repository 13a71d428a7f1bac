import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    // Two files at a time: most files wait on real-time audio (20 ms RTP clocks,
    // endpointing, timers) rather than compute, so a 2-core machine runs two side by side.
    // Three was measured slower: the CPU-bound files (deploy checks, CLI runs, scrypt
    // sign-ins) then take twice as long and set the end.
    maxWorkers: 2,
    // Concurrent tests of a file (each with a system of its own) share one event
    // loop with the real-time media clocks of all of them: a few at a time.
    maxConcurrency: 3,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
