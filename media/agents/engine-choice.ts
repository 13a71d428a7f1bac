// Which engine and voice detector a call gets: the business's choice as the
// session carries it, else the gateway's defaults (AI_DEFAULT_ENGINE,
// AI_DEFAULT_VAD_MODE). An engine this gateway does not offer is refused when
// the session is created (400 bad_request naming it and what would enable
// it), so the backend fails the call's setup at once, as for any gateway
// refusal, rather than a caller hearing nothing.
import type { EngineSelection, VadMode } from '../contract/engines.js';
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

function defaultSelection(name: EngineSelection['name']): EngineSelection {
  switch (name) {
    case 'cascade':
      return { name, settings: {} };
    case 'self-hosted':
      return { name, settings: {} };
    case 'openai-realtime':
      return { name, settings: { model: 'gpt-realtime', voice: 'marin', turnDetection: 'server' } };
  }
}

/** What the operator sets to offer an engine, for the refusal's message. */
export const ENGINE_REQUIREMENTS: Readonly<Record<EngineSelection['name'], string>> = Object.freeze({
  cascade: 'DEEPGRAM_API_KEY and OPENAI_API_KEY',
  'openai-realtime': 'OPENAI_API_KEY and a gateway version with the realtime engine',
  'self-hosted': 'SELF_HOSTED_STT_URL, SELF_HOSTED_LLM_URL and SELF_HOSTED_TTS_URL',
});

export function engineUnavailable(name: EngineSelection['name']): AgentRefusedError {
  return new AgentRefusedError(`the ${name} engine is not offered by this media gateway (it needs ${ENGINE_REQUIREMENTS[name]})`);
}
