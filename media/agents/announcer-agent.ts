// An agent that says one thing and listens to nothing: the announcement of a
// session created with `announcement` (media/contract/sessions.ts). A warm
// transfer's words to the person taking the call ("I have Ann Lee on the line,
// she wants to move her appointment"), a voicemail message left on an answering
// machine. Once the media flows it synthesizes the text (one TTS session, closed
// after it), queues the audio with the playout queue's backpressure, and when the
// last frame has left for Asterisk tells the backend `announcement_done`; a
// failure (TTS refused or dropped) tells it too, with played: false, so the
// backend never waits on a leg that will not speak.
import type { Logger } from 'pino';
import type { CallAction } from '../contract/backend.js';
import type { TtsFrame, TtsProvider } from '../providers/types.js';
import type { AgentContext, CallAgent } from './agent.js';

export interface AnnouncerDeps {
  tts: TtsProvider;
  /** The backend's internal API (media/backend/backend-client.ts). */
  backend: { action(callId: string, action: CallAction): Promise<unknown> };
}

export class AnnouncerAgent implements CallAgent {
  readonly #context: AgentContext;
  readonly #deps: AnnouncerDeps;
  readonly #log: Logger;
  readonly #text: string;
  readonly #call = new AbortController();
  #started = false;
  #reported = false;
  #queued = 0;
  #sent = 0;
  #allQueued = false;

  constructor(context: AgentContext, deps: AnnouncerDeps) {
    this.#context = context;
    this.#deps = deps;
    this.#log = context.logger.child({ component: 'announcer' });
    this.#text = context.request.announcement?.text ?? '';
  }

  onCallerFrame(): void {
    if (this.#started) return;
    this.#started = true;
    void this.#announce();
  }

  onAgentFrameSent(): void {
    this.#sent += 1;
    if (this.#allQueued && this.#sent >= this.#queued) this.#report(true);
  }

  close(): Promise<void> {
    this.#call.abort();
    return Promise.resolve();
  }

  async #announce(): Promise<void> {
    const signal = this.#call.signal;
    try {
      const session = await this.#deps.tts.open({ voice: this.#context.request.agent.voice, signal });
      try {
        const sentence = session.speak(this.#text);
        for await (const output of session.output) {
          if (signal.aborted) return;
          if (output.sentence !== sentence) continue;
          if (output.type === 'sentence_done') break;
          await this.#enqueue(output.frame);
        }
      } finally {
        await session.close().catch(() => {});
      }
      if (signal.aborted) return;
      this.#context.endOfSpeech();
      this.#allQueued = true;
      this.#log.info({ frames: this.#queued }, 'announcement queued');
      if (this.#sent >= this.#queued) this.#report(true);
    } catch (error) {
      if (signal.aborted) return;
      this.#log.error({ error: error instanceof Error ? error.message : 'unknown failure' }, 'announcement could not be synthesized');
      this.#report(false);
    }
  }

  /** Queues one frame, waiting for room in the playout queue when it is full (audio is never dropped). */
  async #enqueue(frame: TtsFrame): Promise<void> {
    const play = (): boolean => (frame.kind === 'ulaw' ? this.#context.playUlaw(frame.payload) : this.#context.play(frame.samples));
    while (!play()) {
      if (!(await this.#context.space(this.#call.signal))) return;
    }
    this.#queued += 1;
  }

  #report(played: boolean): void {
    if (this.#reported) return;
    this.#reported = true;
    void this.#deps.backend.action(this.#context.request.callId, { type: 'announcement_done', played });
  }
}
