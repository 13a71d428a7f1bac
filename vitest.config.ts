import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    // Two files at a time, also on a two-core machine (where the default is one):
    // most test time is spent waiting for real-time audio, timers and other
    // processes, not computing. Every file isolates itself (a database cloned
    // from the template, ports chosen free, temporary folders of its own).
    maxWorkers: 2,
    // Concurrent tests of a file (each with a system of its own) share one event
    // loop with the real-time media clocks of all of them: a few at a time.
    maxConcurrency: 3,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
