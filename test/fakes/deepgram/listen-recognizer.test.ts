import { callerSpeechUlaw } from '../../kit/reference-media.js';
import { describe, expect, it } from 'vitest';
import { decodeSamples } from './audio-codec.js';
import { ListenRecognizer, type RecognizerConfig, type RecognizerEvent } from './listen-recognizer.js';
import { EnergyVoiceDetector } from './voice-activity.js';

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
