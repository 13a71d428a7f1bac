// What a capacity trial runs against: the media gateway or the bare echo
// loop. Both receive the generator's streams on one UDP endpoint and send
// each stream's packets back to its source; only the gateway has counters.
import type { GatewayStats, RtpEndpoint } from '../../media/contract/sessions.js';

export interface TrialTarget {
  readonly pid: number;
  /** Prepares the target for these generator ports; resolves to where the generator must send. */
  attach(streamPorts: readonly number[]): Promise<RtpEndpoint>;
  /** The gateway's counters, or null for a target without any (the bare echo). */
  stats(): Promise<GatewayStats | null>;
  /** Stops the process and releases what it used. Idempotent. */
  stop(): Promise<void>;
}

export interface TargetLauncher {
  /** Short name used in tables and JSON keys ("media", "baseline"). */
  readonly name: string;
  /** Starts a fresh process (one per trial, so every trial has a clean RSS baseline). */
  start(): Promise<TrialTarget>;
}

