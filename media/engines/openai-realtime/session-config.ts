// The Realtime session the gateway asks for (session.update), from the
// business's settings and the call's wire format. Pure.
//
// - Audio: on a ulaw call both directions are G.711 mu-law 8 kHz
//   ('audio/pcmu'), passed through untouched. On an slin call (8 kHz L16) the
//   API takes only pcm16 at 24 kHz, so the audio bridge resamples both ways.
// - Turn detection 'server': the server's VAD ends caller turns and commits
//   the buffer, but neither creates nor interrupts responses by itself
//   (create_response and interrupt_response false): the conversation machine
//   decides when to answer (it holds words said while the agent talks, merges
//   a caller who goes on, and cuts the answer to what was heard), at the cost
//   of one round trip between the commit and our response.create.
//   'local': no server VAD; the gateway's VAD commits and asks.
// - Input transcription is on so that caller turns are stored as text.
import type { OpenAiRealtimeSettings } from '../../contract/engines.js';
import type { MediaFormat } from '../../contract/sessions.js';
import type { ToolSpec } from '../../providers/types.js';

/** Silence the server VAD waits for before it ends a caller turn (the API's default is 200 ms; phone lines need a little more). */
export const SERVER_VAD_SILENCE_MS = 500;
/** Audio kept before the detected start of speech. */
export const SERVER_VAD_PREFIX_MS = 300;
/** The transcription model of caller turns (text for the call record only; the model hears the audio). */
export const INPUT_TRANSCRIPTION_MODEL = 'gpt-4o-mini-transcribe';

export type RealtimeAudioFormat = { type: 'audio/pcmu' } | { type: 'audio/pcm'; rate: 24000 };

export function audioFormatOf(format: MediaFormat): RealtimeAudioFormat {
  return format === 'ulaw' ? { type: 'audio/pcmu' } : { type: 'audio/pcm', rate: 24_000 };
}

export interface SessionUpdateInput {
  settings: OpenAiRealtimeSettings;
  format: MediaFormat;
  instructions: string;
  tools: readonly ToolSpec[];
  /** The business's language tag (e.g. en-US): its primary subtag guides transcription. */
  language: string;
}

export function sessionUpdate(input: SessionUpdateInput): Record<string, unknown> {
  const format = audioFormatOf(input.format);
  return {
    type: 'session.update',
    session: {
      type: 'realtime',
      instructions: input.instructions,
      output_modalities: ['audio'],
      tools: toolsConfig(input.tools),
      tool_choice: 'auto',
      audio: {
        input: {
          format,
          transcription: { model: INPUT_TRANSCRIPTION_MODEL, language: input.language.split('-')[0]!.toLowerCase() },
          turn_detection:
            input.settings.turnDetection === 'server'
              ? { type: 'server_vad', silence_duration_ms: SERVER_VAD_SILENCE_MS, prefix_padding_ms: SERVER_VAD_PREFIX_MS, create_response: false, interrupt_response: false }
              : null,
        },
        output: { format, voice: input.settings.voice },
      },
    },
  };
}

export function toolsConfig(tools: readonly ToolSpec[]): Record<string, unknown>[] {
  return tools.map((tool) => ({ type: 'function', name: tool.name, description: tool.description, parameters: tool.parameters }));
}
