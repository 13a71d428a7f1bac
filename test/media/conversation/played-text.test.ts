import { describe, expect, it } from 'vitest';
import { playedText, resumePoint } from '../../../media/conversation/played-text.js';

const SEGMENTS = [
  { text: 'Thanks for calling.', frames: 50 },
  // 31 characters over 100 frames.
  { text: 'Hello there, how are you today?', frames: 100 },
  { text: 'Goodbye.', frames: 40 },
];

describe('playedText', () => {
  it('returns everything, complete, when all frames were played', () => {
    const all = { text: 'Thanks for calling. Hello there, how are you today? Goodbye.', complete: true };
    expect(playedText(SEGMENTS, 190)).toEqual(all);
    expect(playedText(SEGMENTS, 1000)).toEqual(all);
  });

  it('returns nothing, cut, when nothing was played', () => {
    expect(playedText(SEGMENTS, 0)).toEqual({ text: '', complete: false });
  });

  it('keeps whole segments when playback stopped exactly at a boundary', () => {
    expect(playedText(SEGMENTS, 50)).toEqual({ text: 'Thanks for calling.', complete: false });
    expect(playedText(SEGMENTS, 150)).toEqual({ text: 'Thanks for calling. Hello there, how are you today?', complete: false });
  });

  it('keeps the words of the current segment that end within its played share', () => {
    // 50 of 100 frames: 15 of 31 characters; "there," ends at 12, "how" at 16.
    expect(playedText(SEGMENTS, 100)).toEqual({ text: 'Thanks for calling. Hello there,', complete: false });
    // 52 frames: 16 characters, "how" now ends within them.
    expect(playedText(SEGMENTS, 102)).toEqual({ text: 'Thanks for calling. Hello there, how', complete: false });
    // 99 frames: 30 characters; the last word ends at 31, so it is not counted yet.
    expect(playedText(SEGMENTS, 149)).toEqual({ text: 'Thanks for calling. Hello there, how are you', complete: false });
  });

  it('drops the current segment when less than one word was played', () => {
    expect(playedText(SEGMENTS, 51)).toEqual({ text: 'Thanks for calling.', complete: false });
    expect(playedText(SEGMENTS.slice(1), 16)).toEqual({ text: '', complete: false });
    expect(playedText(SEGMENTS.slice(1), 17)).toEqual({ text: 'Hello', complete: false });
  });

  it('trims segment text and skips blank segments', () => {
    const segments = [
      { text: '  Hi.  ', frames: 10 },
      { text: '   ', frames: 5 },
      { text: '\nBye now. ', frames: 10 },
    ];
    expect(playedText(segments, 25)).toEqual({ text: 'Hi. Bye now.', complete: true });
    expect(playedText(segments, 15)).toEqual({ text: 'Hi.', complete: false });
  });

  it('counts a segment without frames as heard once playback reaches it', () => {
    const segments = [
      { text: 'One.', frames: 10 },
      { text: 'Two.', frames: 0 },
      { text: 'Three.', frames: 10 },
    ];
    expect(playedText(segments, 10)).toEqual({ text: 'One. Two.', complete: false });
    expect(playedText(segments, 9)).toEqual({ text: '', complete: false });
  });

  it('handles no segments', () => {
    expect(playedText([], 0)).toEqual({ text: '', complete: true });
    expect(playedText([], 5)).toEqual({ text: '', complete: true });
  });

  it('rejects negative or fractional frame counts', () => {
    expect(() => playedText(SEGMENTS, -1)).toThrow(RangeError);
    expect(() => playedText(SEGMENTS, 1.5)).toThrow(RangeError);
    expect(() => playedText([{ text: 'x', frames: -2 }], 0)).toThrow(RangeError);
    expect(() => playedText([{ text: 'x', frames: Number.NaN }], 0)).toThrow(RangeError);
  });
});

describe('resumePoint', () => {
  it('plays a one-sentence segment again from its start, wherever it was cut', () => {
    expect(resumePoint(SEGMENTS, 50)).toEqual({ segment: 1, frame: 0 });
    expect(resumePoint(SEGMENTS, 120)).toEqual({ segment: 1, frame: 0 });
    expect(resumePoint(SEGMENTS, 149)).toEqual({ segment: 1, frame: 0 });
    expect(resumePoint(SEGMENTS, 10)).toEqual({ segment: 0, frame: 0 });
  });

  it('enters a segment of several sentences at the sentence being heard, a little early', () => {
    // 60 characters over 120 frames: the second sentence starts at character 20 (frame 40), the third at 39 (frame 78).
    const batched = [{ text: 'One two three four. Five six seven ab. Nine ten eleven abcd.', frames: 120 }];
    expect(batched[0]!.text.indexOf('Five')).toBe(20);
    expect(resumePoint(batched, 30)).toEqual({ segment: 0, frame: 0 });
    expect(resumePoint(batched, 60)).toEqual({ segment: 0, frame: 30 });
    expect(resumePoint(batched, 100)).toEqual({ segment: 0, frame: 68 });
  });

  it('points past the end when everything was played', () => {
    expect(resumePoint(SEGMENTS, 190)).toEqual({ segment: 3, frame: 0 });
    expect(resumePoint([], 0)).toEqual({ segment: 0, frame: 0 });
  });

  it('rejects frame counts that are not whole and non-negative', () => {
    expect(() => resumePoint(SEGMENTS, -1)).toThrow(RangeError);
    expect(() => resumePoint([{ text: 'a', frames: 1.5 }], 0)).toThrow(RangeError);
  });
});
