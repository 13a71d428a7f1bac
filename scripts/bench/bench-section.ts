// A bench section measures one thing and returns its JSON fields; run.ts
// runs the sections in order and merges their fields into the final line.
import type { BenchOptions } from './bench-options.js';
import type { CleanupStack } from '../../test/kit/cleanup-stack.js';

export interface BenchContext {
  readonly options: BenchOptions;
  /** What a section starts and must not outlive the run (released at the end and on Ctrl-C). */
  readonly cleanup: CleanupStack;
  /** This directory (scripts/bench). */
  readonly benchDir: string;
  /** A temp dir for this run, removed at exit. */
  readonly tempRoot: string;
  /** Human-readable output (stdout). */
  print(text: string): void;
}

export type SectionFields = Record<string, unknown>;

export interface BenchSection {
  /** Name for --only. */
  readonly name: string;
  readonly title: string;
  run(context: BenchContext): Promise<SectionFields>;
}
