// The pure parts of the provider fakes: G.711, the voice detector, the scripted recognizer, the
// synthetic voice, token pieces, chat chunks and request checks.

import { describe, expect, it } from 'vitest';
import { decodeSamples, encodeSamples, rms } from './deepgram/audio-codec.js';
import { alawToLinear, linearToAlaw, linearToUlaw, ulawToLinear } from './shared/g711.js';
import { ListenRecognizer, type RecognizerConfig, type RecognizerEvent } from './deepgram/listen-recognizer.js';
import { speechDurationMs, synthesizeSpeech } from './deepgram/synthetic-voice.js';
import { EnergyVoiceDetector } from './deepgram/voice-activity.js';
import { streamChunks, type CompletionContext } from './openai/chat-chunks.js';
import { validateChatRequest } from './openai/chat-validation.js';
import { textPieces } from './openai/text-pieces.js';
import { callerSpeechUlaw } from '../kit/reference-media.js';

const CALLER_SPEECH_ULAW = callerSpeechUlaw();

const CONFIG: RecognizerConfig = {
  vadEvents: true,
  interimResults: true,
  endpointingMs: 300,
  utteranceEndMs: 1000,
  onsetMs: 30,
  interimIntervalMs: 1000,
  pauseMsWithoutEndpointing: 300,
  wordsPerSecond: 2.5,
};

function recognize(audio: Buffer, chunkBytes: number, config: RecognizerConfig = CONFIG, script = ['First one.', 'Second one.']): RecognizerEvent[] {
  const queue = [...script];
  const recognizer = new ListenRecognizer(config, { peek: () => queue[0], take: () => queue.shift() });
  const detector = new EnergyVoiceDetector(8000, 200);
  const events: RecognizerEvent[] = [];
  for (let offset = 0; offset < audio.length; offset += chunkBytes) {
    events.push(...recognizer.processFrames(detector.push(decodeSamples('mulaw', audio.subarray(offset, offset + chunkBytes))), offset));
  }
  return events;
}

const WITH_SILENCE = Buffer.concat([CALLER_SPEECH_ULAW, Buffer.alloc(12_000, 0xff)]);

describe('provider fakes: G.711', () => {
  it('round-trips every mu-law and A-law code through linear', () => {
    for (let byte = 0; byte < 256; byte += 1) {
      if (byte !== 0x7f) expect(linearToUlaw(ulawToLinear(byte)), `mu-law ${byte}`).toBe(byte); // 0x7f and 0xff both decode to 0
      expect(linearToAlaw(alawToLinear(byte)), `A-law ${byte}`).toBe(byte);
    }
    expect(ulawToLinear(0xff)).toBe(0);
    expect(Array.from(decodeSamples('linear16', encodeSamples('linear16', Int16Array.from([-32768, -1, 0, 1, 32767]))))).toEqual([-32768, -1, 0, 1, 32767]);
  });
});

describe('provider fakes: scripted recognizer on audio time', () => {
  it('gives the same events whatever the chunk size the audio arrives in', () => {
    const strip = (events: RecognizerEvent[]) => events.map((event) => (event.kind === 'results' ? { ...event, final: event.final && { ...event.final, speechEndArrivalMs: 0, decidedArrivalMs: 0 } } : event));
    const in20Ms = strip(recognize(WITH_SILENCE, 160));
    expect(strip(recognize(WITH_SILENCE, 1))).toEqual(in20Ms);
    expect(strip(recognize(WITH_SILENCE, 4001))).toEqual(in20Ms);
    expect(strip(recognize(WITH_SILENCE, WITH_SILENCE.length))).toEqual(in20Ms);
  });

  it('finds the two utterances of the recording at endpointing 300 and one at 500', () => {
    const kinds = (events: RecognizerEvent[]) => events.map((e) => (e.kind === 'results' ? (e.isFinal ? `final:${e.transcript}` : 'interim') : e.kind));
    expect(kinds(recognize(WITH_SILENCE, 160))).toEqual([
      'speech-started', 'interim', 'interim', 'interim', 'final:First one.',
      'speech-started', 'interim', 'interim', 'final:Second one.', 'utterance-end',
    ]);
    const long = recognize(WITH_SILENCE, 160, { ...CONFIG, endpointingMs: 500 });
    expect(long.filter((e) => e.kind === 'results' && e.isFinal)).toHaveLength(1);
    expect(long.filter((e) => e.kind === 'speech-started')).toHaveLength(1);
  });

  it('finalizes through UtteranceEnd when endpointing is off, with speech_final false', () => {
    const events = recognize(WITH_SILENCE, 160, { ...CONFIG, endpointingMs: null }, ['Only one.']);
    const finals = events.filter((e) => e.kind === 'results' && e.isFinal);
    expect(finals).toHaveLength(1);
    expect(finals[0]).toMatchObject({ transcript: 'Only one.', speechFinal: false });
    expect(events.at(-1)).toEqual({ kind: 'utterance-end', lastWordEndSec: 6 });
  });

  it('ignores clicks shorter than the onset', () => {
    const click = Buffer.concat([Buffer.alloc(800, 0xff), Buffer.alloc(16, 0x00), Buffer.alloc(8000, 0xff)]); // 2 ms at full scale
    expect(recognize(click, 160)).toEqual([]);
  });
});

describe('provider fakes: synthetic voice', () => {
  it('is deterministic, as long as the text says, and loud for its whole duration', () => {
    expect(speechDurationMs('Hi')).toBe(200);
    expect(speechDurationMs('Hello there, caller.')).toBe(20 * 65);
    const voice = synthesizeSpeech(1300, 8000);
    expect(voice.length).toBe(10_400);
    expect(synthesizeSpeech(1300, 8000)).toBe(voice);
    const detector = new EnergyVoiceDetector(8000, 200);
    const frames = detector.push(voice);
    expect(frames.slice(1, -1).every((frame) => frame.voiced)).toBe(true);
    expect(rms(voice)).toBeGreaterThan(3000);
    expect(Math.max(...voice.map(Math.abs))).toBeLessThanOrEqual(12_000);
  });
});

describe('provider fakes: chat pieces', () => {
  it('splits text into pieces that concatenate back to it', () => {
    for (const text of ['Hello, world!', '  spaced  out  ', 'Supercalifragilistic words…', 'émoji 😀 ok', '{"a":"b c","n":[1,2]}', '']) {
      expect(textPieces(text).join('')).toBe(text);
    }
    expect(textPieces('Hello, wonderful world!')).toEqual(['Hello', ',', ' wond', 'erfu', 'l', ' world', '!']);
  });

  it('puts the role in the first delta and a single finish chunk at the end', () => {
    const context: CompletionContext = {
      id: 'chatcmpl-x', created: 1, model: 'm', systemFingerprint: 'fp', includeUsage: false, includeObfuscation: false, promptTokens: 1,
      toolCallId: (index) => `call_${index}`,
    };
    const chunks = streamChunks({ toolCalls: [{ name: 'f', arguments: { a: 1 } }] }, context);
    const deltas = chunks.map((c) => (c['choices'] as Array<{ delta: unknown; finish_reason: unknown }>)[0]!);
    expect(deltas[0]!.delta).toEqual({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_0', type: 'function', function: { name: 'f', arguments: '' } }], refusal: null });
    expect(deltas.filter((d) => d.finish_reason !== null)).toEqual([{ index: 0, delta: {}, logprobs: null, finish_reason: 'tool_calls' }]);
    expect(chunks.every((c) => !('usage' in c) && !('obfuscation' in c))).toBe(true);
  });

  it('refuses dangling tool messages and accepts answered tool calls', () => {
    const call = { id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } };
    expect(validateChatRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }, { role: 'assistant', tool_calls: [call] }, { role: 'tool', tool_call_id: 'call_1', content: 'ok' }] })).toBeNull();
    expect(validateChatRequest({ model: 'm', messages: [{ role: 'tool', tool_call_id: 'call_1', content: 'ok' }] })?.message).toMatch(/must be a response to a preceeding message/);
    expect(validateChatRequest({ model: 'm', messages: [] })?.param).toBe('messages');
    expect(validateChatRequest({ messages: [{ role: 'user', content: 'x' }] })?.message).toBe('you must provide a model parameter');
  });
});
