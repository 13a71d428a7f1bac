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

/**
 * What a caller may say over the agent without interrupting it ("mm-hm",
 * "okay"): the business's own phrases instead of its language's list, and the
 * longest such transcript in words (0: every stop is a barge-in).
 */
export const BackchannelSettings = z
  .object({
    phrases: z.array(z.string().trim().min(1, 'a backchannel phrase must not be empty').max(40, 'a backchannel phrase must be at most 40 characters')).max(100, 'at most 100 backchannel phrases').optional(),
    maxWords: z.number().int('maxWords must be a whole number').min(0).max(10, 'maxWords must be at most 10').optional(),
  })
  .strict();
export type BackchannelSettings = z.infer<typeof BackchannelSettings>;

export const CascadeSettings = z.object({ backchannels: BackchannelSettings.optional() }).strict();
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
    backchannels: BackchannelSettings.optional(),
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
