// The provider fakes scripted for the demo: the fake STT "hears" each caller
// line, the fake model answers it, and its last answer calls end_call.
import type { FakeProviders } from '../../test/kit/fake-providers.js';
import { UNSCRIPTED_REPLY, type Exchange } from './conversation-script.js';

function normalise(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9' ]/g, '').trim();
}

/** A scripted answer, in the shape both the chat fake and the Realtime fake take. */
export interface ScriptedReply {
  text: string;
  toolCalls?: { name: string; arguments: unknown }[];
}

export function replyFor(script: readonly Exchange[], heard: string | null): ScriptedReply {
  const exchange = script.find((e) => heard !== null && normalise(e.caller) === normalise(heard));
  if (!exchange) return { text: UNSCRIPTED_REPLY };
  return exchange.endsCall
    ? { text: exchange.reply, toolCalls: [{ name: 'end_call', arguments: { reason: 'the caller has what they needed' } }] }
    : { text: exchange.reply };
}

/** Makes the fake model follow `script`; returns how to make the fake STT hear the next caller line. */
export function scriptFakes(providers: FakeProviders, script: readonly Exchange[], engine: 'cascade' | 'self-hosted' = 'cascade'): (callerLine: string) => void {
  providers.openai.respond((request) => replyFor(script, request.lastUserText));
  // The self-hosted engine's speech to text is the OpenAI fake's transcription endpoint.
  if (engine === 'self-hosted') return (callerLine) => providers.openai.queueTranscriptions(callerLine);
  return (callerLine) => providers.deepgram.queueTranscripts([callerLine]);
}
