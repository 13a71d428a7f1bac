// What the caller actually heard of an agent turn that was interrupted: the
// conversation history must keep only that, so the LLM does not believe it
// said things the caller never heard.
//
// Segments are the turn's chunks in playout order with the number of audio
// frames queued for each. A segment was heard in full when playback passed its
// last frame (a segment with no frames counts as heard once playback reaches
// it). Of the segment being played, the heard share of its text is taken as
// the played share of its frames, applied to its characters (speech time
// follows text length more closely than word count) and rounded down to a
// whole word: a word counts only if it ends within that share.
//
// The same model says where to play a turn again after a false barge-in: from
// the start of the sentence the caller was hearing. A segment is usually one
// sentence (its start is exact); one that holds several (a batched TTS
// request) is entered at the sentence's estimated frame, RESUME_LEAD_FRAMES
// early so that an estimate a little late does not clip its first word.

export interface PlayedSegment {
  readonly text: string;
  /** Audio frames queued for this text. */
  readonly frames: number;
}

export interface PlayedText {
  /** Heard text: whole segments and the heard words of the current one, joined by spaces. */
  readonly text: string;
  /** True when every segment was played to its end. */
  readonly complete: boolean;
}

function requireFrameCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be an integer >= 0, got ${value}`);
}

/** The words of `text` that end within its first `heardChars` characters. */
function heardWords(text: string, heardChars: number): string {
  let end = 0;
  const word = /\S+/g;
  for (let match = word.exec(text); match !== null; match = word.exec(text)) {
    const wordEnd = match.index + match[0].length;
    if (wordEnd > heardChars) break;
    end = wordEnd;
  }
  return text.slice(0, end);
}

export function playedText(segments: readonly PlayedSegment[], playedFrames: number): PlayedText {
  requireFrameCount('playedFrames', playedFrames);
  for (const [index, segment] of segments.entries()) requireFrameCount(`segments[${index}].frames`, segment.frames);
  const parts: string[] = [];
  let segmentStart = 0;
  for (const segment of segments) {
    const text = segment.text.trim();
    const segmentEnd = segmentStart + segment.frames;
    if (segmentEnd <= playedFrames) {
      if (text !== '') parts.push(text);
      segmentStart = segmentEnd;
      continue;
    }
    const heardChars = Math.floor((text.length * (playedFrames - segmentStart)) / segment.frames);
    const heard = heardWords(text, heardChars);
    if (heard !== '') parts.push(heard);
    return { text: parts.join(' '), complete: false };
  }
  return { text: parts.join(' '), complete: true };
}

/** Frames played again before a sentence's estimated start inside a segment (200 ms). */
const RESUME_LEAD_FRAMES = 10;
/** A sentence ends with one of these, then optional closing quotes or brackets, then space. */
const SENTENCE_END = /[.!?\u2026]["'\u201d\u2019)\]]*\s+/g;

export interface ResumePoint {
  /** Index of the segment to play again from (segments.length when everything was played). */
  readonly segment: number;
  /** First frame of that segment to play again. */
  readonly frame: number;
}

/** Where to play again from: the start of the sentence being heard after `playedFrames` frames. */
export function resumePoint(segments: readonly PlayedSegment[], playedFrames: number): ResumePoint {
  requireFrameCount('playedFrames', playedFrames);
  let segmentStart = 0;
  for (const [index, segment] of segments.entries()) {
    requireFrameCount(`segments[${index}].frames`, segment.frames);
    const segmentEnd = segmentStart + segment.frames;
    if (segmentEnd <= playedFrames) {
      segmentStart = segmentEnd;
      continue;
    }
    const text = segment.text;
    const heardChars = Math.floor((text.length * (playedFrames - segmentStart)) / segment.frames);
    let sentenceStart = 0;
    SENTENCE_END.lastIndex = 0;
    for (let match = SENTENCE_END.exec(text); match !== null; match = SENTENCE_END.exec(text)) {
      const next = match.index + match[0].length;
      if (next > heardChars || next >= text.length) break;
      sentenceStart = next;
    }
    if (sentenceStart === 0) return { segment: index, frame: 0 };
    const frame = Math.floor((segment.frames * sentenceStart) / text.length) - RESUME_LEAD_FRAMES;
    return { segment: index, frame: Math.max(0, frame) };
  }
  return { segment: segments.length, frame: 0 };
}
