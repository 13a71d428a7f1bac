// CallSessions on in-memory doubles of everything they talk to: Asterisk's ARI
// (checked against the api-docs), the media gateway, the CallLog table behind
// the real CallLogWriter, the business directory and the call registry. The
// manager's part is played here: the externalMedia channel's StasisStart is
// announced to the session owning it right after the externalMedia answer
// (as the recorded trace has it), unless `announceMediaChannel` is false.
import { pino, type Logger } from 'pino';
import type { StasisStartEvent } from '../../../src/ari/types.js';
import { isOpen, type CallRecord } from '../../../src/calls/call-record.js';
import { CallLogWriter } from '../../../src/calls/call-log-writer.js';
import type { CallSessionDeps } from '../../../src/calls/call-session-deps.js';
import { CallSession } from '../../../src/calls/call-session.js';
import { stasisStart } from '../ari-events.js';
import { waitUntil } from '../../kit/wait.js';
import { InMemoryCallLogStore, InMemoryDirectory, InMemoryRegistry, StoreOutageError } from './call-stores.js';
import { InMemoryAsterisk } from './in-memory-asterisk.js';
import { InMemoryMediaGateway } from './in-memory-media-gateway.js';
import { testCallSettings } from './call-settings.js';
import { AiShareRouter } from '../../../src/calls/ai-share-router.js';

export const DIALED = '+19863334949';
export const BUSINESS_ID = '00000000-0000-4000-8000-0000000000b1';

export interface CallSessionHarnessOptions {
  externalMediaStasisTimeoutMs?: number;
  setupTimeoutMs?: number;
  logger?: Logger;
}

export class CallSessionHarness {
  readonly ari = new InMemoryAsterisk();
  readonly media = new InMemoryMediaGateway();
  readonly store = new InMemoryCallLogStore();
  readonly directory = new InMemoryDirectory();
  readonly registry = new InMemoryRegistry();
  readonly writer: CallLogWriter;
  readonly sessions: CallSession[] = [];
  announceMediaChannel = true;
  readonly #deps: CallSessionDeps;
  #ids = 0;

  constructor(options: CallSessionHarnessOptions = {}) {
    const logger = options.logger ?? pino({ level: 'silent' });
    this.writer = new CallLogWriter({
      store: this.store,
      logger,
      isTransient: (error) => error instanceof StoreOutageError,
      retryMinMs: 5,
      retryMaxMs: 20,
    });
    this.directory.add(DIALED, BUSINESS_ID);
    this.#deps = {
      ari: this.ari,
      media: this.media,
      writer: this.writer,
      directory: this.directory,
      registry: this.registry,
      settings: testCallSettings({ externalMediaStasisTimeoutMs: options.externalMediaStasisTimeoutMs ?? 5_000, setupTimeoutMs: options.setupTimeoutMs ?? 10_000 }),
      logger,
      now: () => new Date(),
      newId: () => `00000000-0000-4000-8000-${String(++this.#ids).padStart(12, '0')}`,
      aiShare: new AiShareRouter(),
    };
    // The externalMedia channel's own StasisStart follows its 200 answer.
    this.ari.afterExternalMedia = (id) => {
      if (this.announceMediaChannel) setImmediate(() => this.registry.owners.get(id)?.onMediaChannelInStasis());
    };
  }

  /** A caller's StasisStart for the dialed number (Stasis args as the dialplan passes them). */
  event(options: Parameters<typeof stasisStart>[0] = {}): StasisStartEvent {
    return stasisStart({ args: ['inbound', DIALED], id: `caller-${this.sessions.length + 1}`, ...options });
  }

  /** Starts a call as the manager does on the caller's StasisStart. */
  start(event: StasisStartEvent = this.event()): CallSession {
    this.ari.addCaller(event);
    const session = new CallSession(event, this.#deps);
    this.sessions.push(session);
    session.start();
    return session;
  }

  /** Starts a call and waits until it is connected to the media gateway. */
  async connected(event?: StasisStartEvent): Promise<CallSession> {
    const session = this.start(event);
    await waitUntil(() => session.phase !== 'setting_up', { what: 'the call to be set up' });
    if (session.phase !== 'active') throw new Error(`the call did not connect (phase ${session.phase})`);
    return session;
  }

  /** The caller hangs up: the channel goes away on Asterisk and the event reaches the session. */
  callerHangsUp(session: CallSession, event: 'ChannelHangupRequest' | 'StasisEnd' = 'ChannelHangupRequest', causeCode: number | null = 16): void {
    this.ari.channelGone(session.callerChannelId);
    session.onCallerLeft(event, causeCode);
  }

  /** The row as stored once the call is over and the writer has nothing left to store. */
  async finalRow(session: CallSession): Promise<CallRecord> {
    await session.done;
    await waitUntil(() => this.writer.pending().length === 0, { what: 'the call log writer to store everything' });
    const row = this.store.rows.get(session.callId);
    if (!row) throw new Error(`no CallLog row for call ${session.callId}`);
    return row;
  }

  /** What a call acquired and did not release: channels still up, bridges not destroyed, gateway sessions open. */
  leftovers(session: CallSession): string[] {
    const left: string[] = [];
    if (this.ari.channel(session.mediaChannelId)?.live) left.push(`externalMedia channel ${session.mediaChannelId}`);
    const bridge = this.ari.bridge(session.bridgeId);
    if (bridge && !bridge.destroyed) left.push(`bridge ${session.bridgeId}`);
    for (const id of this.media.openSessions) {
      if (this.media.sessions.get(id)?.request.callId === session.callId) left.push(`gateway session ${id}`);
    }
    for (const [id, owner] of this.registry.owners) if (owner === session) left.push(`registry claim ${id}`);
    return left;
  }

  /** Ends every call still running and checks that every row ended and nothing is left. */
  async closeAll(): Promise<void> {
    for (const session of this.sessions) {
      if (session.phase !== 'ended') await session.end({ cause: 'backend_shutdown', status: 'interrupted', hangupReason: 'normal' });
    }
    for (const session of this.sessions) {
      const row = await this.finalRow(session);
      if (isOpen(row)) throw new Error(`CallLog row ${row.id} stayed open (${row.status})`);
      const left = this.leftovers(session);
      if (left.length > 0) throw new Error(`call ${session.callId} left ${left.join(', ')}`);
    }
    if (this.ari.invalid.length > 0) throw new Error(`requests the ARI api-docs refuse: ${this.ari.invalid.join(' | ')}`);
    this.writer.close();
  }
}
