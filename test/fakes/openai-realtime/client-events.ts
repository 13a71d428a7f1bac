// The client events of the Realtime API (GA, as `openai` 6.x types them in
// resources/realtime/realtime.d.ts: RealtimeClientEvent), validated the way the
// API does: an event that breaks the schema is refused with an `error` server
// event and changes nothing. Error wording follows the API's own
// ("Missing required parameter: 'item.call_id'.", "Unknown parameter:
// 'session.foo'.", "Invalid value: 'x'. Supported values are: ...").
//
// Only the parts of the schema a voice agent uses are modelled; anything else
// present is refused as an unknown parameter, so a client relying on a field
// the fake ignores fails loudly instead of passing by accident.
import { z } from 'zod';

export const CLIENT_EVENT_TYPES = [
  'session.update',
  'input_audio_buffer.append',
  'input_audio_buffer.clear',
  'input_audio_buffer.commit',
  'output_audio_buffer.clear',
  'conversation.item.create',
  'conversation.item.retrieve',
  'conversation.item.truncate',
  'conversation.item.delete',
  'response.create',
  'response.cancel',
] as const;

const eventId = z.string().optional();
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const base64 = z.string().refine((value) => value.length % 4 === 0 && BASE64.test(value), { message: 'Invalid base64 audio.' });

const AudioFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('audio/pcm'), rate: z.literal(24_000).optional() }).strict(),
  z.object({ type: z.literal('audio/pcmu') }).strict(),
  z.object({ type: z.literal('audio/pcma') }).strict(),
]);

const TurnDetection = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('server_vad'),
      create_response: z.boolean().optional(),
      interrupt_response: z.boolean().optional(),
      idle_timeout_ms: z.number().int().min(5_000).max(30_000).nullable().optional(),
      prefix_padding_ms: z.number().int().min(0).optional(),
      silence_duration_ms: z.number().int().min(0).optional(),
      threshold: z.number().min(0).max(1).optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('semantic_vad'),
      create_response: z.boolean().optional(),
      interrupt_response: z.boolean().optional(),
      eagerness: z.enum(['low', 'medium', 'high', 'auto']).optional(),
    })
    .strict(),
]);

const FunctionTool = z
  .object({
    type: z.literal('function'),
    name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export const SessionConfig = z
  .object({
    type: z.literal('realtime'),
    model: z.string().optional(),
    instructions: z.string().optional(),
    output_modalities: z.array(z.enum(['text', 'audio'])).max(1).optional(),
    max_output_tokens: z.union([z.number().int().min(1).max(4096), z.literal('inf')]).optional(),
    tool_choice: z.union([z.enum(['none', 'auto', 'required']), z.object({ type: z.literal('function'), name: z.string() }).strict()]).optional(),
    tools: z.array(FunctionTool).optional(),
    audio: z
      .object({
        input: z
          .object({
            format: AudioFormat.optional(),
            transcription: z.object({ model: z.string(), language: z.string().optional(), prompt: z.string().optional() }).strict().nullable().optional(),
            noise_reduction: z.object({ type: z.enum(['near_field', 'far_field']) }).strict().nullable().optional(),
            turn_detection: TurnDetection.nullable().optional(),
          })
          .strict()
          .optional(),
        output: z
          .object({ format: AudioFormat.optional(), voice: z.string().optional(), speed: z.number().min(0.25).max(1.5).optional() })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type SessionConfig = z.infer<typeof SessionConfig>;

const InputContent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('input_text'), text: z.string() }).strict(),
  z.object({ type: z.literal('input_audio'), audio: base64, transcript: z.string().optional() }).strict(),
]);
const OutputContent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('output_text'), text: z.string() }).strict(),
  z.object({ type: z.literal('output_audio'), audio: base64.optional(), transcript: z.string().optional() }).strict(),
]);

const itemBase = { id: z.string().max(32).optional(), object: z.literal('realtime.item').optional(), status: z.enum(['completed', 'incomplete', 'in_progress']).optional() };

export const ConversationItem = z.discriminatedUnion('type', [
  z.discriminatedUnion('role', [
    z.object({ ...itemBase, type: z.literal('message'), role: z.literal('user'), content: z.array(InputContent) }).strict(),
    z.object({ ...itemBase, type: z.literal('message'), role: z.literal('system'), content: z.array(z.object({ type: z.literal('input_text'), text: z.string() }).strict()) }).strict(),
    z.object({ ...itemBase, type: z.literal('message'), role: z.literal('assistant'), content: z.array(OutputContent) }).strict(),
  ]),
  z.object({ ...itemBase, type: z.literal('function_call'), call_id: z.string().optional(), name: z.string(), arguments: z.string() }).strict(),
  z.object({ ...itemBase, type: z.literal('function_call_output'), call_id: z.string(), output: z.string() }).strict(),
]);
export type ConversationItem = z.infer<typeof ConversationItem>;

const ResponseParams = z
  .object({
    conversation: z.union([z.literal('auto'), z.literal('none'), z.string()]).optional(),
    instructions: z.string().optional(),
    output_modalities: z.array(z.enum(['text', 'audio'])).max(1).optional(),
    tool_choice: z.union([z.enum(['none', 'auto', 'required']), z.object({ type: z.literal('function'), name: z.string() }).strict()]).optional(),
    tools: z.array(FunctionTool).optional(),
    metadata: z.record(z.string(), z.string()).nullable().optional(),
    max_output_tokens: z.union([z.number().int().min(1).max(4096), z.literal('inf')]).optional(),
  })
  .strict();

const ClientEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('session.update'), event_id: eventId, session: SessionConfig }).strict(),
  z.object({ type: z.literal('input_audio_buffer.append'), event_id: eventId, audio: base64 }).strict(),
  z.object({ type: z.literal('input_audio_buffer.clear'), event_id: eventId }).strict(),
  z.object({ type: z.literal('input_audio_buffer.commit'), event_id: eventId }).strict(),
  z.object({ type: z.literal('output_audio_buffer.clear'), event_id: eventId }).strict(),
  z.object({ type: z.literal('conversation.item.create'), event_id: eventId, previous_item_id: z.string().nullable().optional(), item: ConversationItem }).strict(),
  z.object({ type: z.literal('conversation.item.retrieve'), event_id: eventId, item_id: z.string() }).strict(),
  z
    .object({ type: z.literal('conversation.item.truncate'), event_id: eventId, item_id: z.string(), content_index: z.number().int().min(0), audio_end_ms: z.number().int().min(0) })
    .strict(),
  z.object({ type: z.literal('conversation.item.delete'), event_id: eventId, item_id: z.string() }).strict(),
  z.object({ type: z.literal('response.create'), event_id: eventId, response: ResponseParams.optional() }).strict(),
  z.object({ type: z.literal('response.cancel'), event_id: eventId, response_id: z.string().optional() }).strict(),
]);
export type ClientEvent = z.infer<typeof ClientEvent>;

/** The body of an `error` server event (RealtimeError). */
export interface RealtimeErrorBody {
  type: 'invalid_request_error' | 'server_error';
  code: string | null;
  message: string;
  param: string | null;
  event_id: string | null;
}

export type ParsedClientEvent = { ok: true; event: ClientEvent } | { ok: false; error: RealtimeErrorBody };

const describe = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'object' ? 'object' : typeof value);

/** A text frame from the client: the event, or the `error` the API answers it with. */
export function parseClientEvent(text: string): ParsedClientEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, error: { type: 'invalid_request_error', code: 'invalid_json', message: "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)", param: null, event_id: null } };
  }
  const clientEventId = raw !== null && typeof raw === 'object' && typeof (raw as { event_id?: unknown }).event_id === 'string' ? (raw as { event_id: string }).event_id : null;
  const type = raw !== null && typeof raw === 'object' ? (raw as { type?: unknown }).type : undefined;
  const fail = (code: string, message: string, param: string | null): ParsedClientEvent => ({ ok: false, error: { type: 'invalid_request_error', code, message, param, event_id: clientEventId } });
  if (type === undefined) return fail('missing_required_parameter', "Missing required parameter: 'type'.", 'type');
  if (typeof type !== 'string' || !(CLIENT_EVENT_TYPES as readonly string[]).includes(type)) {
    return fail('invalid_value', `Invalid value: '${typeof type === 'string' ? type : JSON.stringify(type)}'. Supported values are: ${CLIENT_EVENT_TYPES.map((name) => `'${name}'`).join(', ')}.`, 'type');
  }
  const parsed = ClientEvent.safeParse(raw);
  if (parsed.success) return { ok: true, event: parsed.data };
  const issue = parsed.error.issues[0]!;
  const path = issue.path.map(String);
  const param = path.join('.');
  const at = (value: unknown, keys: readonly string[]): unknown => keys.reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), value);
  const value = at(raw, path);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    return fail('unknown_parameter', `Unknown parameter: '${[...path, key].join('.')}'.`, [...path, key].join('.'));
  }
  if (value === undefined) return fail('missing_required_parameter', `Missing required parameter: '${param}'.`, param);
  if (issue.code === 'custom') return fail('invalid_value', issue.message, param);
  if (issue.code === 'invalid_type') return fail('invalid_type', `Invalid type for '${param}': expected ${issue.expected}, but got ${describe(value)} instead.`, param);
  if (issue.code === 'invalid_value' || issue.code === 'invalid_union') {
    const supported = 'values' in issue ? (issue.values as unknown[]).map((v) => `'${String(v)}'`).join(', ') : null;
    return fail('invalid_value', `Invalid value: '${typeof value === 'string' ? value : JSON.stringify(value)}'.${supported ? ` Supported values are: ${supported}.` : ''}`, param);
  }
  if (issue.code === 'too_big' || issue.code === 'too_small') return fail('invalid_value', `Invalid '${param}': ${issue.message}.`, param);
  return fail('invalid_value', `Invalid value for '${param}'.`, param);
}
