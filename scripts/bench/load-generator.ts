// The C RTP load generator (rtp-load.c): compiled once per bench run, then
// started per trial. See rtp-load.c for its stdin/stdout protocol.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { z } from 'zod';
import type { RtpEndpoint } from '../../media/contract/sessions.js';
import { parseJsonLine } from '../../test/kit/line-reader.js';
import { startProgram, type ProgramProcess } from '../../test/kit/program-process.js';
import { launcherFor } from './cpu-placement.js';

const LatencySummary = z.object({ count: z.number(), p50: z.number(), p99: z.number(), max: z.number() });

export const GeneratorResult = z.object({
  event: z.literal('result'),
  streams: z.number().int(),
  warmup_ms: z.number(),
  measure_ms: z.number(),
  /** Whether it ran SCHED_FIFO (so other processes could not delay its sends). */
  realtime: z.boolean(),
  sent_total: z.number().int(),
  sent_window: z.number().int(),
  send_errors: z.number().int(),
  received_total: z.number().int(),
  received_window: z.number().int(),
  lost_window: z.number().int(),
  out_of_order: z.number().int(),
  receive_errors: z.number().int(),
  min_stream_received_window: z.number().int(),
  max_stream_received_window: z.number().int(),
  /** |arrival interval - 20 ms| of packets received back, kernel-timestamped. */
  deviation_ms: LatencySummary,
  /** How much later than its stream's earliest packet (on the 20 ms grid) each packet arrived: pacing seen from outside. */
  delay_variation_ms: LatencySummary,
  /** CLOCK_REALTIME (kernel timestamps) minus CLOCK_MONOTONIC change over the run: non-zero if the clock was slewed. */
  realtime_drift_ms: z.number(),
  /** How late the generator itself sent against its schedule (its own health). */
  send_lateness_ms: LatencySummary,
});
export type GeneratorResult = z.infer<typeof GeneratorResult>;

const PortsLine = z.object({ event: z.literal('ports'), ports: z.array(z.number().int()) });

export interface GeneratorTiming {
  readonly warmupMs: number;
  readonly measureMs: number;
  /** After sending stops: time for in-flight packets to arrive before the result. */
  readonly drainMs: number;
}

/** Compiles rtp-load.c with gcc -O2 into `outDir`; returns the binary's path. */
export function compileLoadGenerator(sourcePath: string, outDir: string): string {
  const binary = join(outDir, 'rtp-load');
  const result = spawnSync('gcc', ['-O2', '-o', binary, sourcePath], { encoding: 'utf8' });
  if (result.error !== undefined && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(
      'gcc not found: the capacity bench compiles its C load generator (scripts/bench/rtp-load.c) at run time; ' +
        'install a C compiler (Debian/Ubuntu: apt-get install gcc) or run only the other sections (--only rtp-codec)',
    );
  }
  if (result.status !== 0) throw new Error(`gcc failed to compile ${sourcePath}:\n${result.stderr}`);
  return binary;
}

const eventLine =
  (event: string) =>
  (line: string): true | null => {
    const value = parseJsonLine(line) as { event?: unknown } | null;
    return value !== null && value.event === event ? true : null;
  };

/** One generator run: N streams, started, pointed at a target, then measured. */
export class LoadGenerator {
  readonly ports: readonly number[];
  readonly #process: ProgramProcess;
  readonly #timing: GeneratorTiming;

  private constructor(child: ProgramProcess, ports: readonly number[], timing: GeneratorTiming) {
    this.#process = child;
    this.ports = ports;
    this.#timing = timing;
  }

  get pid(): number {
    return this.#process.pid;
  }

  static async start(options: {
    binary: string;
    streams: number;
    payloadPath: string;
    timing: GeneratorTiming;
    core: number | null;
  }): Promise<LoadGenerator> {
    const { timing } = options;
    const args = [
      ...['--streams', String(options.streams), '--payload', options.payloadPath],
      ...['--warmup-ms', String(timing.warmupMs), '--measure-ms', String(timing.measureMs)],
      ...['--drain-ms', String(timing.drainMs), '--realtime'],
    ];
    // It makes itself SCHED_FIFO (--realtime) when permitted.
    const generator = startProgram('rtp load generator', [...launcherFor({ core: options.core, realtime: false }), options.binary, ...args]);
    try {
      const ports = await generator.lines.next(
        (line) => {
          const parsed = PortsLine.safeParse(parseJsonLine(line));
          return parsed.success ? parsed.data.ports : null;
        },
        10_000,
        'its ports',
      );
      if (ports.length !== options.streams) throw new Error(`generator opened ${ports.length} of ${options.streams} streams`);
      return new LoadGenerator(generator, ports, timing);
    } catch (error) {
      await generator.stop(1000);
      throw error;
    }
  }

  /** Starts sending to `target` (every stream's socket connects to it). */
  go(target: RtpEndpoint): void {
    this.#process.child.stdin!.write(`go ${target.host} ${target.port}\n`);
  }

  async windowStart(): Promise<void> {
    await this.#process.lines.next(eventLine('window_start'), this.#timing.warmupMs + 10_000, 'window start');
  }

  async windowEnd(): Promise<void> {
    await this.#process.lines.next(eventLine('window_end'), this.#timing.measureMs + 10_000, 'window end');
  }

  async result(): Promise<GeneratorResult> {
    return this.#process.lines.next(
      (line) => {
        const parsed = GeneratorResult.safeParse(parseJsonLine(line));
        return parsed.success ? parsed.data : null;
      },
      this.#timing.drainMs + 10_000,
      'its result',
    );
  }

  async stop(): Promise<void> {
    await this.#process.stop(1000);
  }
}
