import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    // Three files at a time on a 2-core machine: most files wait on real-time audio
    // (20 ms RTP clocks, endpointing, timers) rather than compute.
    maxWorkers: 3,
    // Concurrent tests of a file (each with a system of its own) share one event
    // loop with the real-time media clocks of all of them: a few at a time.
    maxConcurrency: 3,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
