// What a capacity trial runs against: the media gateway or the bare echo
// loop. Both receive the generator's streams on one UDP endpoint and send
// each stream's packets back to its source; only the gateway has counters.
import type { GatewayStats, RtpEndpoint } from '../../media/contract/sessions.js';
import type { ProgramProcess } from '../../test/kit/program-process.js';

export interface TrialTarget {
  readonly pid: number;
  /** Prepares the target for these generator ports; resolves to where the generator must send. */
  attach(streamPorts: readonly number[]): Promise<RtpEndpoint>;
  /** The gateway's counters, or null for a target without any (the bare echo). */
  stats(): Promise<GatewayStats | null>;
  /**
   * Why the process ended on its own before stop() (exit code or signal, and
   * its last stderr lines), or null while it runs or once stop() ended it.
   */
  death(): string | null;
  /** Stops the process and releases what it used. Idempotent. */
  stop(): Promise<void>;
}

export interface TargetLauncher {
  /** Short name used in tables and JSON keys ("media", "baseline"). */
  readonly name: string;
  /** Starts a fresh process (one per trial, so every trial has a clean RSS baseline). */
  start(): Promise<TrialTarget>;
}


/**
 * Watches `program` for an end nobody asked for (`stopping()` false when it
 * exited); returns TrialTarget.death for it. A trial that then fails on the
 * missing process (its /proc files gone, its port refused) reports this cause.
 * `lastOutput` gives what the program said last (a gateway logs its fatal
 * error on stdout, a crash trace goes to stderr).
 */
export function watchDeath(program: Pick<ProgramProcess, 'what' | 'exited'>, lastOutput: () => string, stopping: () => boolean): () => string | null {
  let cause: string | null = null;
  void program.exited.then((exit) => {
    if (stopping()) return;
    const how = exit.signal === null ? `exit code ${exit.code}` : `signal ${exit.signal}${exit.signal === 'SIGKILL' ? ', perhaps the kernel\'s OOM killer' : ''}`;
    const lines = lastOutput().trim().split('\n').filter(Boolean).slice(-DEATH_LINES);
    cause = `${program.what} died (${how})${lines.length === 0 ? ', it said nothing' : `; its last words: ${lines.join(' | ')}`}`;
  });
  return () => cause;
}

/** Lines of a dead target's output quoted in its trial's reason. */
const DEATH_LINES = 6;
