// What went wrong with a call, as a business's staff see it: plain words
// first, the technical text (without network addresses, which are the
// deployment's business, not theirs) as a detail. The stored text keeps
// everything for the operator.
import { redactAddresses } from '../http/address-redaction.js';

export interface FailureText {
  /** One sentence in plain words. */
  summary: string;
  /** The technical text, addresses removed. */
  detail: string;
}

const STEP_SUMMARIES: Readonly<Record<string, string>> = {
  route_lookup: 'The number’s business could not be looked up.',
  answer: 'The phone system could not answer the call.',
  bridge: 'The phone system could not connect the call to the agent.',
  bridge_channels: 'The phone system could not connect the call to the agent.',
  external_media: 'The phone system could not connect the call to the agent.',
  media_remote: 'The phone system could not connect the call to the agent.',
  media_session: 'The agent’s audio service was not available.',
  database: 'The call could not be saved in time.',
};

const PROVIDER_SUMMARIES: Readonly<Record<string, string>> = {
  stt: 'Speech recognition stopped working during the call.',
  llm: 'The agent’s language model stopped working during the call.',
  tts: 'The agent’s voice stopped working during the call.',
};

/** Why a call could not be set up (call_logs.error). */
export function setupFailureText(error: string): FailureText {
  const step = /^([a-z_]+): /.exec(error)?.[1];
  const summary =
    (step !== undefined ? STEP_SUMMARIES[step] : undefined) ??
    (/unexpectedly/.test(error) ? 'The call’s audio connection was lost.' : 'The call could not be completed.');
  return { summary, detail: redactAddresses(error) };
}

/** A conversation provider's failure (call_logs.failure_provider / failure). */
export function providerFailureText(provider: string, error: string): FailureText {
  return { summary: PROVIDER_SUMMARIES[provider] ?? 'A service the agent needs stopped working during the call.', detail: redactAddresses(error) };
}
