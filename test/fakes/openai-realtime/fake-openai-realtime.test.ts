// The Realtime fake through the real `openai` SDK's realtime client: the
// session handshake, a response's event sequence, and the `error` events every
// malformed client event gets (unknown type, missing field, bad base64,
// truncation beyond the audio sent), with nothing changed by a refused event.
import net from 'node:net';
import OpenAI from 'openai';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeOpenAiRealtime } from './index.js';

let fake: FakeOpenAiRealtime;
let socket: OpenAIRealtimeWS | null = null;
const received: { type: string; [key: string]: unknown }[] = [];

beforeEach(async () => {
  fake = await FakeOpenAiRealtime.start();
  received.length = 0;
});
afterEach(async () => {
  socket?.close();
  socket = null;
  await fake.close();
});

async function connect(): Promise<OpenAIRealtimeWS> {
  const client = new OpenAI({ apiKey: fake.apiKey, baseURL: fake.baseURL });
  const ws = new OpenAIRealtimeWS({ model: 'gpt-realtime', options: { createConnection: (options) => net.connect(options as net.NetConnectOpts) } }, client);
  ws.on('event', (event) => received.push(event as unknown as { type: string }));
  ws.on('error', () => {});
  socket = ws;
  await fake.waitFor(() => received.some((event) => event.type === 'session.created'), { what: 'session.created' });
  return ws;
}

const send = (ws: OpenAIRealtimeWS, event: unknown): void => ws.send(event as Parameters<OpenAIRealtimeWS['send']>[0]);
const errors = () => received.filter((event) => event.type === 'error').map((event) => event.error as { type: string; code: string; message: string; param: string | null; event_id: string | null });

describe('the Realtime fake', () => {
  it('applies session.update and streams a spoken response as the API does', async () => {
    const ws = await connect();
    send(ws, { type: 'session.update', session: { type: 'realtime', audio: { input: { format: { type: 'audio/pcmu' }, turn_detection: null }, output: { format: { type: 'audio/pcmu' }, voice: 'marin' } } } });
    await fake.waitFor(() => received.some((event) => event.type === 'session.updated'));
    fake.queueReplies({ text: 'Hello there.' });
    send(ws, { type: 'response.create' });
    await fake.waitFor(() => received.some((event) => event.type === 'response.done'));
    const types = received.map((event) => event.type).filter((type) => type.startsWith('response.'));
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.done');
    expect(types).toContain('response.output_audio.delta');
    expect(types).toContain('response.output_audio_transcript.done');
    const audio = received.filter((event) => event.type === 'response.output_audio.delta').map((event) => Buffer.from(event.delta as string, 'base64').length);
    // mu-law: one byte per 8 kHz sample.
    expect(audio.reduce((a, b) => a + b, 0)).toBe(fake.connections[0]!.responses[0]!.audioMsSent * 8);
    expect(errors()).toEqual([]);
  });

  it('answers malformed events with the API error events and changes nothing', async () => {
    const ws = await connect();
    send(ws, { type: 'response.explode', event_id: 'e1' });
    send(ws, { type: 'conversation.item.create', event_id: 'e2', item: { type: 'function_call_output', output: 'x' } });
    send(ws, { type: 'input_audio_buffer.append', event_id: 'e3', audio: 'not base64!' });
    send(ws, { type: 'session.update', event_id: 'e4', session: { type: 'realtime', colour: 'blue' } });
    send(ws, { type: 'response.cancel', event_id: 'e5' });
    await fake.waitFor(() => errors().length === 5, { what: 'five errors' });
    expect(errors()).toEqual([
      expect.objectContaining({ type: 'invalid_request_error', code: 'invalid_value', param: 'type', event_id: 'e1', message: expect.stringMatching(/^Invalid value: 'response.explode'. Supported values are: 'session.update'/) as unknown }),
      { type: 'invalid_request_error', code: 'missing_required_parameter', message: "Missing required parameter: 'item.call_id'.", param: 'item.call_id', event_id: 'e2' },
      { type: 'invalid_request_error', code: 'invalid_value', message: 'Invalid base64 audio.', param: 'audio', event_id: 'e3' },
      { type: 'invalid_request_error', code: 'unknown_parameter', message: "Unknown parameter: 'session.colour'.", param: 'session.colour', event_id: 'e4' },
      { type: 'invalid_request_error', code: 'response_cancel_not_active', message: 'Cancellation failed: no active response found', param: null, event_id: 'e5' },
    ]);
    expect(fake.connections[0]!.inputAudioMs).toBe(0);
  });

  it('refuses a truncation beyond the audio sent, and truncates within it', async () => {
    const ws = await connect();
    send(ws, { type: 'session.update', session: { type: 'realtime', audio: { output: { format: { type: 'audio/pcmu' } } } } });
    fake.queueReplies({ text: 'A short answer.' });
    send(ws, { type: 'response.create' });
    await fake.waitFor(() => received.some((event) => event.type === 'response.done'));
    const { itemId, audioMsSent } = fake.connections[0]!.responses[0]!;
    send(ws, { type: 'conversation.item.truncate', event_id: 'beyond', item_id: itemId, content_index: 0, audio_end_ms: audioMsSent + 500 });
    send(ws, { type: 'conversation.item.truncate', event_id: 'within', item_id: itemId, content_index: 0, audio_end_ms: 200 });
    await fake.waitFor(() => received.some((event) => event.type === 'conversation.item.truncated'));
    expect(errors()).toEqual([
      { type: 'invalid_request_error', code: 'invalid_value', message: `Audio content of ${Math.round(audioMsSent)}ms is already shorter than ${audioMsSent + 500}ms`, param: 'audio_end_ms', event_id: 'beyond' },
    ]);
    expect(fake.connections[0]!.truncations).toEqual([{ itemId, audioEndMs: 200, itemAudioMs: audioMsSent }]);
  });

  it('refuses a wrong key before the upgrade', async () => {
    const client = new OpenAI({ apiKey: 'sk-wrong-key-123', baseURL: fake.baseURL });
    const ws = new OpenAIRealtimeWS({ model: 'gpt-realtime', options: { createConnection: (options) => net.connect(options as net.NetConnectOpts) } }, client);
    ws.on('error', () => {});
    await fake.waitFor(() => fake.refusedHandshakes.length === 1);
    expect(fake.refusedHandshakes).toEqual([401]);
    expect(fake.connections).toEqual([]);
  });
});
