// Which engine and voice detector a call gets: the business's choice as the
// session carries it, else the gateway's defaults (AI_DEFAULT_ENGINE,
// AI_DEFAULT_VAD_MODE). An engine this gateway does not offer is refused when
// the session is created (400 bad_request naming it and what would enable
// it), so the backend fails the call's setup at once, as for any gateway
// refusal, rather than a caller hearing nothing.
import { EngineSelection, type VadMode } from '../contract/engines.js';
import type { CreateSessionRequest } from '../contract/sessions.js';

/** Thrown by an agent factory: the session is refused with this message (no secret in it). */
export class AgentRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentRefusedError';
  }
}

export interface EngineDefaults {
  readonly engine: EngineSelection['name'];
  readonly vadMode: VadMode;
}

export interface CallEngine {
  readonly engine: EngineSelection;
  readonly vadMode: VadMode;
}

export function callEngine(request: CreateSessionRequest, defaults: EngineDefaults): CallEngine {
  const engine = request.agent.engine ?? defaultSelection(defaults.engine);
  return { engine, vadMode: request.agent.vadMode ?? defaults.vadMode };
}

/** The engine `name` with its default settings. */
export function defaultSelection(name: EngineSelection['name']): EngineSelection {
  return EngineSelection.parse({ name });
}

/** What the operator sets to offer an engine, for the refusal's message. */
export const ENGINE_REQUIREMENTS: Readonly<Record<EngineSelection['name'], string>> = Object.freeze({
  cascade: 'DEEPGRAM_API_KEY and OPENAI_API_KEY',
  'openai-realtime': 'OPENAI_API_KEY, and DEEPGRAM_API_KEY for its cached phrases when TTS_PROVIDER=deepgram',
  'self-hosted': 'SELF_HOSTED_STT_URL, SELF_HOSTED_LLM_URL and SELF_HOSTED_TTS_URL',
});

export function engineUnavailable(name: EngineSelection['name']): AgentRefusedError {
  return new AgentRefusedError(`the ${name} engine is not offered by this media gateway (it needs ${ENGINE_REQUIREMENTS[name]})`);
}
