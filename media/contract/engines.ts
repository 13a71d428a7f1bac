// The conversation engines a business can choose, their settings and the
// voice activity detectors, shared by the backend (which stores the choice per
// business and sends it with each session) and the media gateway (which builds
// the engine's agent). Engine endpoints and keys are the gateway's own
// configuration; only per-business choices travel here.
import { z } from 'zod';

export const ENGINE_NAMES = ['cascade', 'openai-realtime', 'self-hosted'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

export const VAD_MODES = ['energy', 'silero'] as const;
export type VadMode = (typeof VAD_MODES)[number];

/** Model and voice names as the vendors spell them: letters, digits, '.', '_', ':', '/', '-'. */
const identifier = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `${what} must not be empty`)
    .max(100, `${what} must be at most 100 characters`)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/, `${what} may hold letters, digits and . _ : / - only`);

export const CascadeSettings = z.object({}).strict();
export type CascadeSettings = z.infer<typeof CascadeSettings>;

export const OpenAiRealtimeSettings = z
  .object({
    model: identifier('model').default('gpt-realtime'),
    voice: identifier('voice').default('marin'),
    /** 'server': the Realtime server's VAD ends the caller's turns; 'local': the gateway's VAD does. */
    turnDetection: z.enum(['server', 'local'], { error: 'turnDetection must be server or local' }).default('server'),
  })
  .strict();
export type OpenAiRealtimeSettings = z.infer<typeof OpenAiRealtimeSettings>;

export const SelfHostedSettings = z
  .object({
    llmModel: identifier('llmModel').optional(),
    ttsVoice: identifier('ttsVoice').optional(),
    language: z
      .string()
      .trim()
      .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'language must be a language tag such as en or en-US')
      .optional(),
  })
  .strict();
export type SelfHostedSettings = z.infer<typeof SelfHostedSettings>;

/** The engine of a business with its settings (defaults filled in). */
export const EngineSelection = z.discriminatedUnion(
  'name',
  [
    CascadeSettings.extend({ name: z.literal('cascade') }),
    OpenAiRealtimeSettings.extend({ name: z.literal('openai-realtime') }),
    SelfHostedSettings.extend({ name: z.literal('self-hosted') }),
  ],
  { error: `engine name must be one of ${ENGINE_NAMES.join(', ')}` },
);
export type EngineSelection = z.infer<typeof EngineSelection>;

export const EngineNameSchema = z.enum(ENGINE_NAMES, { error: `engine must be one of ${ENGINE_NAMES.join(', ')}` });
export const VadModeSchema = z.enum(VAD_MODES, { error: `vadMode must be one of ${VAD_MODES.join(', ')}` });
