import { describe, expect, it } from 'vitest';
import { rms } from './audio-codec.js';
import { speechDurationMs, synthesizeSpeech } from './synthetic-voice.js';
import { EnergyVoiceDetector } from './voice-activity.js';

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
