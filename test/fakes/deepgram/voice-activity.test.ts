import { describe, expect, it } from 'vitest';
import { EnergyVoiceDetector, VAD_FRAME_MS } from './voice-activity.js';

function tone(samples: number, amplitude: number): Int16Array {
  return Int16Array.from({ length: samples }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * 440 * i) / 8000)));
}

describe('Deepgram fake: energy voice detector', () => {
  it('gives one verdict per 10 ms of audio time, voiced at or above the threshold', () => {
    const detector = new EnergyVoiceDetector(8000, 200);
    const audio = new Int16Array(240);
    audio.set(tone(80, 4000), 80);
    const frames = detector.push(audio);
    expect(frames.map((frame) => frame.voiced)).toEqual([false, true, false]);
    expect(frames.map((frame) => [frame.startSec, frame.endSec])).toEqual([[0, 0.01], [0.01, 0.02], [0.02, 0.03]]);
    expect(frames[1]!.rms).toBeGreaterThan(2000);
    expect(VAD_FRAME_MS).toBe(10);
  });

  it('keeps the partial frame between calls: the verdicts do not depend on chunk sizes', () => {
    const audio = new Int16Array(8000);
    audio.set(tone(2000, 3000), 3000);
    const whole = new EnergyVoiceDetector(8000, 200).push(audio);
    const chunked = new EnergyVoiceDetector(8000, 200);
    const pieces = [];
    for (let offset = 0; offset < audio.length; offset += 37) pieces.push(...chunked.push(audio.subarray(offset, offset + 37)));
    expect(pieces).toEqual(whole);
    expect(whole).toHaveLength(100);
  });

  it('counts received audio time including a partial frame', () => {
    const detector = new EnergyVoiceDetector(16000, 200);
    expect(detector.push(new Int16Array(200))).toHaveLength(1);
    expect(detector.receivedSec).toBeCloseTo(200 / 16000, 10);
  });
});
