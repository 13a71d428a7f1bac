// The backend's internal API as the gateway's agent sees it, in memory: turn
// records, failure reports and actions are kept for the test to read, and
// actions are answered by `answer` (ok by default). Extends the real client so
// the agent takes it where it takes a BackendClient; nothing goes on the network.
import { pino } from 'pino';
import { BackendClient } from '../../../media/backend/backend-client.js';
import type { ActionResult, CallAction, FailureReport, TurnReport } from '../../../media/contract/backend.js';

export class InMemoryBackend extends BackendClient {
  readonly turns: { callId: string; turn: TurnReport }[] = [];
  readonly failures: { callId: string; failure: FailureReport }[] = [];
  readonly actions: { callId: string; action: CallAction }[] = [];
  answer: (action: CallAction) => ActionResult | Promise<ActionResult> = () => ({ ok: true, message: null });

  constructor() {
    // Never used: every method that would reach the network is replaced below.
    super({ url: 'http://127.0.0.1:9', token: 'in-memory', logger: pino({ level: 'silent' }) });
  }

  override reportTurn(callId: string, turn: TurnReport): void {
    this.turns.push({ callId, turn });
  }

  override reportFailure(callId: string, failure: FailureReport): void {
    this.failures.push({ callId, failure });
  }

  override async action(callId: string, action: CallAction): Promise<ActionResult> {
    this.actions.push({ callId, action });
    return this.answer(action);
  }

  override async drain(): Promise<void> {}

  /** The turn records of one role, in the order they were reported. */
  turnsOf(role: 'caller' | 'agent'): TurnReport[] {
    return this.turns.map((entry) => entry.turn).filter((turn) => turn.role === role);
  }
}
