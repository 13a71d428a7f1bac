// The system the AI latency section measures, started with the kit: the real
// backend and media gateway each in its own process as in production, a real
// PostgreSQL (DATABASE_URL or an embedded one), and in this process the ARI
// fake and the Deepgram and OpenAI fakes with zero latency. So what is
// measured is the system itself: neither the fakes' work nor the backend's
// (database writes of turn reports) shares the gateway's event loop.
import { join } from 'node:path';
import type { Db } from '../../src/db/index.js';
import type { FakeAsterisk } from '../../test/fakes/ari/index.js';
import type { FakeDeepgram } from '../../test/fakes/deepgram/index.js';
import type { FakeOpenAI } from '../../test/fakes/openai/index.js';
import { createBusiness } from '../../test/kit/calls.js';
import { startScratchDatabase } from '../../test/kit/scratch-database.js';
import { startSystem } from '../../test/kit/system.js';
import type { BenchContext } from './bench-section.js';
import { canRunRealtime, makeNormal, makeRealtime, REALTIME_PRIORITY } from './cpu-placement.js';
import { makeGatewayRealtime } from './gateway-process.js';

export const DIALED = '+19863334949';
export const GREETING = 'Thanks for calling Bench Dental. How can I help?';
/** The speech-to-text's endpointing: silence it waits for before a final transcript. */
export const STT_ENDPOINTING_MS = 400;

export interface AiLatencySystem {
  readonly asterisk: FakeAsterisk;
  readonly deepgram: FakeDeepgram;
  readonly openai: FakeOpenAI;
  readonly db: Db;
  /** The gateway process (its CPU and memory are what the capacity section measures). */
  readonly gatewayPid: number;
  readonly gatewayUrl: string;
  readonly gatewayToken: string;
  /** Whether the processes on the measured paths run SCHED_FIFO (--rt, where permitted). */
  readonly realtime: boolean;
  stop(): Promise<void>;
}

export interface AiLatencySystemOptions {
  /**
   * Run what is on the measured paths SCHED_FIFO (the section's --rt, where permitted): the
   * latency sections want it; a capacity search does not (a saturated real-time process would
   * take a core from everything else).
   */
  readonly realtime?: boolean;
  /** Node flags of the gateway's process (the capacity sections' --rt gateways: gateway-process.ts). */
  readonly gatewayNodeArgs?: readonly string[];
}

export async function startAiLatencySystem(
  context: BenchContext,
  gatewayEnv: Readonly<Record<string, string>> = {},
  options: AiLatencySystemOptions = {},
): Promise<AiLatencySystem> {
  const database = await startScratchDatabase({ databaseUrl: process.env.DATABASE_URL, embeddedDir: join(context.tempRoot, 'postgres') });
  const system = await startSystem({
    placement: 'child-process',
    database,
    agent: 'ai',
    providers: {
      kind: 'fakes',
      // Zero latency everywhere; audio as fast as it can be produced.
      options: {
        deepgram: { listen: { resultLatencyMs: 0 }, speak: { firstAudioLatencyMs: 0, realTimeFactor: 0 } },
        openai: { chat: { firstTokenLatencyMs: 0, interTokenDelayMs: 0 } },
      },
    },
    // Longer than the VAD's end-of-speech hangover (300 ms), so the answer never waits for
    // the VAD: the figures are the pipeline's own, from the transcript to the first packet.
    // BENCH_GATEWAY_NODE_OPTIONS: Node flags for the gateway, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
    // (the profile is written when the section stops the gateway).
    gatewayEnv: { STT_ENDPOINTING_MS: String(STT_ENDPOINTING_MS), ...gatewayNodeOptions(), ...gatewayEnv },
    // Caller packets 20 ms apart give or take a few ms, as a real Asterisk's arrived (traces).
    asterisk: { rtpSendJitterMs: 6 },
    // The business is created after the start: the warm-up finds it at its next poll.
    backendEnv: { CLIP_WARM_POLL_MS: '500' },
    tempRoot: context.tempRoot,
    gatewayNodeArgs: options.gatewayNodeArgs,
  });
  context.cleanup.add('the AI latency system', () => system.stop());
  await system.waitReady({ timeoutMs: 30_000 });
  // Real time: what is on the measured paths runs SCHED_FIFO once started (cpu-placement.ts), so
  // other work on a shared machine does not take a core in the middle of a turn: the gateway's
  // media thread (it sends the RTP) above its event loop, the backend's event loop (it relays the
  // answer that starts the greeting), and, one step below, this process's (the fakes answer from
  // it: a zero-latency service must not wait for a core either, but must not pre-empt the system).
  const realtime = options.realtime === true && canRunRealtime();
  if (options.realtime === true && !realtime) context.print('note: --rt ignored: chrt -f is not permitted here');
  let normal = (): void => {};
  if (realtime) {
    makeGatewayRealtime(system.gateway.pid);
    makeRealtime(system.backend.pid);
    makeRealtime(process.pid, REALTIME_PRIORITY - 1);
    normal = () => makeNormal(process.pid);
    context.cleanup.add('the bench back to normal scheduling', () => Promise.resolve(normal()));
  }
  // A DATABASE_URL may hold an earlier run's calls and number.
  await system.db.prisma.callLog.deleteMany({ where: { toNumber: DIALED } });
  await system.db.prisma.phoneNumber.deleteMany({ where: { e164: DIALED } });
  await createBusiness(system.db.prisma, 'Bench Dental', [DIALED], {
    greeting: GREETING,
    transferTarget: null,
  });
  const providers = system.providers!;
  return {
    asterisk: system.asterisk,
    deepgram: providers.deepgram,
    openai: providers.openai,
    db: system.db,
    gatewayPid: system.gateway.pid,
    gatewayUrl: system.gatewayUrl,
    gatewayToken: system.credentials.gatewayToken,
    realtime,
    stop: () => {
      normal();
      return system.stop();
    },
  };
}

function gatewayNodeOptions(): Record<string, string> {
  const options = process.env.BENCH_GATEWAY_NODE_OPTIONS?.trim();
  return options ? { NODE_OPTIONS: [process.env.NODE_OPTIONS, options].filter(Boolean).join(' ') } : {};
}
