// What every AI agent of a call does around the conversation machine,
// whichever engine answers (the cascade's AiAgent, the Realtime agent): the
// machine built from the business's settings, the business's own tools, the
// start (once, at the answer or the first caller frame) with the provider
// failures that came before it, the dispatch of events and the effects that do
// not depend on the engine (failure reports, actions and tools, which run to
// their end whatever happens to their turn: must-deliver), the turns by
// sequence number and what the caller heard of the current one, and the
// cached lines' audio. The engine applies the rest (clips, answers, speech,
// cancellation, turn reports) through `apply`.
import type { Logger } from 'pino';
import type { BackendClient } from '../backend/backend-client.js';
import type { ClipCache } from '../conversation/clip-cache.js';
import { clipTexts } from '../conversation/clip-texts.js';
import { ConversationMachine } from '../conversation/conversation-machine.js';
import { conversationTools, TOOL_NAMES } from '../conversation/conversation-tools.js';
import type { ClipName, ConversationEffect, ConversationEvent } from '../conversation/conversation-types.js';
import type { ToolSpec, TtsFrame } from '../providers/types.js';
import type { CallToolsFactory } from '../tools/tool-runtime.js';
import type { AgentContext } from './agent.js';
import { AgentBusinessTools } from './agent-business-tools.js';

/** A key sequence without '#' ends after this long without a key. */
const KEYPAD_GAP_MS = 2_000;

/** What the coordinator needs of an agent turn. */
export interface CoordinatedTurn {
  cancel(): void;
  heard(): string;
}

type SharedEffectType = 'report_failure' | 'action' | 'run_tool' | 'stop';
/** The effects an engine applies itself. */
export type EngineEffect = Exclude<ConversationEffect, { type: SharedEffectType }>;
export type ProviderFailure = Extract<ConversationEvent, { type: 'provider_error' }>;

export interface CoordinatorDeps {
  readonly backend: BackendClient;
  readonly clips: ClipCache;
  readonly timings: { readonly silenceRepromptMs: number; readonly maxReprompts: number; readonly maxCallMs: number; readonly fillerAfterMs: number };
  readonly now: () => number;
  readonly businessTools?: CallToolsFactory | undefined;
}

export interface AgentCoordinatorOptions<T extends CoordinatedTurn> {
  readonly context: AgentContext;
  readonly deps: CoordinatorDeps;
  readonly logger: Logger;
  /** The call's signal: the business's tools stop with it. */
  readonly signal: AbortSignal;
  readonly systemPrompt: string;
  /** The agent was closed: nothing more is dispatched. */
  readonly closed: () => boolean;
  readonly createTurn: (seq: number) => T;
  readonly apply: (effect: EngineEffect) => void;
}

export class AgentCoordinator<T extends CoordinatedTurn> {
  readonly machine: ConversationMachine;
  readonly clips: Record<ClipName, string>;
  /** Built-in tools, then the business's once listed (each round reads the list afresh). */
  readonly tools: ToolSpec[];
  readonly business: AgentBusinessTools | null;
  readonly turns = new Map<number, T>();
  readonly #options: AgentCoordinatorOptions<T>;
  /**
   * Provider failures before the media started: the conversation only acts on
   * events once it started, so they wait for the start (a provider that could
   * not be opened must still end the call with the apology, not leave it deaf).
   */
  readonly #failuresBeforeStart: ProviderFailure[] = [];
  #started = false;

  constructor(options: AgentCoordinatorOptions<T>) {
    this.#options = options;
    const { context, deps, logger } = options;
    const agent = context.request.agent;
    this.clips = clipTexts(agent, context.request.resume);
    this.tools = conversationTools(agent.transferTarget !== null);
    const callTools = deps.businessTools?.(context.request, Object.values(TOOL_NAMES), logger) ?? null;
    this.business = callTools?.any
      ? new AgentBusinessTools({
          tools: callTools,
          signal: options.signal,
          report: (turn) => deps.backend.reportTurn(context.request.callId, turn),
          // Listed while the greeting plays.
          listedTools: (specs) => this.tools.push(...specs),
        })
      : null;
    this.machine = new ConversationMachine(
      {
        systemPrompt: options.systemPrompt,
        canTransfer: agent.transferTarget !== null,
        silenceRepromptMs: deps.timings.silenceRepromptMs,
        maxReprompts: deps.timings.maxReprompts,
        maxCallMs: deps.timings.maxCallMs,
        fillerAfterMs: deps.timings.fillerAfterMs,
        keypadActions: agent.keypadActions ?? {},
        keypadGapMs: KEYPAD_GAP_MS,
        isBusinessTool: (name) => this.business?.has(name) ?? false,
      },
      this.clips,
    );
    if (context.request.resume) this.machine.resumeFrom(context.request.resume);
  }

  get started(): boolean {
    return this.#started;
  }

  /** The conversation starts (the greeting) once, at the answer or else the first caller frame. */
  begin(atMs: number): void {
    if (this.#options.closed() || this.#started) return;
    this.#started = true;
    // The wall-clock time of `atMs` (the answer may have been heard a little before this runs):
    // turn records carry wall-clock times that other processes compare with their own.
    this.dispatch({ type: 'start', atMs, wallMs: Date.now() - (this.#options.deps.now() - atMs) });
    for (const failure of this.#failuresBeforeStart.splice(0)) this.dispatch({ ...failure, atMs });
  }

  dispatch(event: ConversationEvent): void {
    if (this.#options.closed()) return;
    for (const effect of this.machine.handle(event)) this.#apply(effect);
    // A turn whose audio was all heard is over: its resources go.
    if (event.type === 'agent_audio_done' && this.machine.currentTurn !== event.turn) this.release(event.turn);
  }

  /** A provider failed for the call: logged, and the machine told (at the start if it has not started). */
  providerFailed(provider: ProviderFailure['provider'], error: unknown, logAs: string = provider): void {
    // ProviderError messages name the vendor and what failed, never a key.
    const message = error instanceof Error ? error.message : 'unknown provider failure';
    this.#options.logger.error({ provider: logAs, error: message }, 'provider failed during the call');
    const event: ProviderFailure = { type: 'provider_error', provider, error: message, atMs: this.#options.deps.now(), playedText: this.heard() };
    if (this.#started) this.dispatch(event);
    else this.#failuresBeforeStart.push(event);
  }

  turn(seq: number): T {
    let turn = this.turns.get(seq);
    if (!turn) {
      turn = this.#options.createTurn(seq);
      this.turns.set(seq, turn);
    }
    return turn;
  }

  release(seq: number): void {
    this.turns.get(seq)?.cancel();
    this.turns.delete(seq);
  }

  /** Cancels every turn (the call is over). */
  cancelAll(): void {
    for (const turn of this.turns.values()) turn.cancel();
    this.turns.clear();
  }

  /** What the caller heard of the turn in progress. */
  heard(): string {
    const seq = this.machine.currentTurn;
    return seq === null ? '' : (this.turns.get(seq)?.heard() ?? '');
  }

  /** A cached line's audio (synthesized now if it is not cached yet); none when it cannot be had. */
  async clipFrames(voice: string, clip: ClipName, text: string): Promise<readonly TtsFrame[]> {
    const { clips } = this.#options.deps;
    const audio = clips.peek(voice, text) ?? (await clips.get(voice, text).catch(() => null));
    if (!audio) this.#options.logger.warn({ clip }, 'clip unavailable; nothing played');
    return audio?.frames ?? [];
  }

  #apply(effect: ConversationEffect): void {
    switch (effect.type) {
      case 'report_failure':
        this.#options.deps.backend.reportFailure(this.#options.context.request.callId, { provider: effect.provider, error: effect.error });
        return;
      case 'action':
        void this.#act(effect);
        return;
      case 'run_tool':
        void this.#runTool(effect);
        return;
      case 'stop':
        this.#options.logger.info('conversation over');
        return;
      default:
        this.#options.apply(effect);
    }
  }

  /** A business tool: runs to its answer whatever happens to its turn (must-deliver), like an action. */
  async #runTool(effect: Extract<ConversationEffect, { type: 'run_tool' }>): Promise<void> {
    // `toolArgs` is a field LOG_REDACT_PII removes (media/contract/log-fields.ts).
    this.#options.logger.debug({ tool: effect.name, toolArgs: effect.arguments }, 'language model called a tool');
    const content = this.business ? await this.business.run(effect.turn, effect.toolCallId, effect.name, effect.arguments) : `Unknown tool ${effect.name}.`;
    if (content !== null) this.dispatch({ type: 'tool_result', turn: effect.turn, toolCallId: effect.toolCallId, content });
  }

  /** Runs to the end whatever happens to its turn (must-deliver); a tool call's answer goes back to the machine. */
  async #act(effect: Extract<ConversationEffect, { type: 'action' }>): Promise<void> {
    const { backend } = this.#options.deps;
    const callId = this.#options.context.request.callId;
    if (effect.toolCallId !== null) this.#options.logger.debug({ tool: effect.action.type, toolArgs: effect.action }, 'language model called a tool');
    const result = await backend.action(callId, effect.action);
    if (effect.toolCallId !== null) {
      this.dispatch({ type: 'action_result', turn: effect.turn, toolCallId: effect.toolCallId, ok: result.ok, message: result.message });
      return;
    }
    if (!result.ok && effect.action.type === 'transfer') {
      // The system's own transfer (a provider down): nobody is left to talk to the caller.
      this.#options.logger.error({ message: result.message }, 'transfer failed; ending the call');
      await backend.action(callId, { type: 'hangup', reason: 'provider_failure' });
    }
  }
}
