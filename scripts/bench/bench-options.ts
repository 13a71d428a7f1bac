// Command line of `npm run bench -- [options]`.
export interface BenchOptions {
  /** Shorter windows, coarser search: a smoke run of a minute or two. */
  readonly quick: boolean;
  /** End the output with one JSON line of every section's fields. */
  readonly json: boolean;
  /**
   * Make the event loop of the processes under test SCHED_FIFO: on a shared
   * machine, other processes then cannot take its core (approximates a dedicated core).
   */
  readonly realtimeTargets: boolean;
  /** Section names to run; null runs all. */
  readonly only: readonly string[] | null;
  readonly help: boolean;
}

export const USAGE = `usage: npm run bench -- [--quick] [--json] [--rt] [--only section[,section...]]
  --quick   short windows and a coarse search (about 2 minutes instead of about 10)
  --json    end the output with one JSON line holding every section's results
  --rt      make the event loop of the processes under test SCHED_FIFO (needs the privilege), so other
            processes on a shared machine cannot take its core; figures then approximate a dedicated core
  --only    run only the named sections`;

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  let quick = false;
  let json = false;
  let help = false;
  let realtimeTargets = false;
  let only: string[] | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') quick = true;
    else if (arg === '--json') json = true;
    else if (arg === '--help' || arg === '-h') help = true;
    else if (arg === '--rt') realtimeTargets = true;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      if (value === undefined || value === '') throw new Error(`--only needs section names\n${USAGE}`);
      only = value.split(',').map((name) => name.trim());
    } else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  return { quick, json, realtimeTargets, only, help };
}
