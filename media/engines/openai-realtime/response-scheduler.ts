// At most one Realtime response at a time (the API refuses a second one while
// one is active): responses asked for while one runs wait their turn, a
// response asked for by a turn that is cancelled before it began is never
// created, and one cancelled before response.created is cancelled as soon as
// its id is known. Pure: it returns the client events to send.

export interface ScheduledResponse {
  readonly turn: number;
  id: string | null;
  cancelRequested: boolean;
}

type Send = (event: Record<string, unknown>) => void;

export class ResponseScheduler {
  readonly #send: Send;
  readonly #waiting: number[] = [];
  #active: ScheduledResponse | null = null;

  constructor(send: Send) {
    this.#send = send;
  }

  get active(): ScheduledResponse | null {
    return this.#active;
  }

  /** `turn` wants a response (now, or after the one running). */
  request(turn: number): void {
    if (this.#active === null) this.#start(turn);
    else this.#waiting.push(turn);
  }

  /** response.created: the id of the running response; false when it was cancelled already (it is being stopped). */
  created(id: string): ScheduledResponse | null {
    const active = this.#active;
    if (active === null || active.id !== null) return null;
    active.id = id;
    if (active.cancelRequested) {
      this.#send({ type: 'response.cancel', response_id: id });
      return null;
    }
    return active;
  }

  /** response.done of `id`: the next waiting response starts. */
  done(id: string): void {
    if (this.#active?.id !== id) return;
    this.#active = null;
    const next = this.#waiting.shift();
    if (next !== undefined) this.#start(next);
  }

  /** The turn is over: its running response is cancelled, its waiting ones dropped. */
  cancel(turn: number): void {
    for (let i = this.#waiting.length - 1; i >= 0; i -= 1) if (this.#waiting[i] === turn) this.#waiting.splice(i, 1);
    const active = this.#active;
    if (active?.turn !== turn || active.cancelRequested) return;
    active.cancelRequested = true;
    if (active.id !== null) this.#send({ type: 'response.cancel', response_id: active.id });
  }

  /**
   * A new session after a drop: the response that was running (or asked for)
   * there is asked for again, unless its turn was cancelled meanwhile; then
   * the next waiting one starts.
   */
  resume(): void {
    const active = this.#active;
    this.#active = null;
    if (active !== null && !active.cancelRequested) this.#start(active.turn);
    else {
      const next = this.#waiting.shift();
      if (next !== undefined) this.#start(next);
    }
  }

  #start(turn: number): void {
    this.#active = { turn, id: null, cancelRequested: false };
    this.#send({ type: 'response.create' });
  }
}
