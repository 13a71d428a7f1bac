// What the engines section needs from a conversation engine: the AI system
// started on it with zero-latency fakes, the demo business switched to it,
// and how to script its fakes (what the caller's next utterance is heard as,
// what the model answers). One module per engine (engine-bench-*.ts), listed
// in the engines section.
import type { EngineName } from '../../media/contract/engines.js';
import type { Prisma } from '../../src/db/index.js';
import { DIALED, type AiLatencySystem } from './ai-latency-system.js';
import type { BenchContext } from './bench-section.js';

export interface EngineBenchSystem {
  readonly system: AiLatencySystem;
  /** Every answer of the model is `text`. */
  answerWith(text: string): void;
  /** The next caller utterance is heard as `text` (the engine's transcription). */
  expectUtterance(text: string): void;
  /** Stops the system and what the engine started; idempotent. */
  stop(): Promise<void>;
}

export interface EngineBench {
  readonly name: EngineName;
  /** Readable: what "the end of the caller's turn" is for this engine. */
  readonly turnEnd: string;
  /** Everything started is also on the context's cleanup (Ctrl-C, a failed start). */
  start(context: BenchContext): Promise<EngineBenchSystem>;
}

/** `engine_..._<suffix>`: the engine's name with '-' as '_'. */
export function fieldSuffix(name: EngineName): string {
  return name.replaceAll('-', '_');
}

/** The bench business (the one that owns DIALED) answers with `engine`. */
export async function useEngine(system: AiLatencySystem, engine: EngineName, settings: Prisma.InputJsonObject): Promise<void> {
  const number = await system.db.prisma.phoneNumber.findUniqueOrThrow({ where: { e164: DIALED } });
  await system.db.prisma.business.update({ where: { id: number.businessId }, data: { engine, engineSettings: settings } });
}
