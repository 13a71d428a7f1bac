// The scripted "recognizer" behind the live STT fake. Pure and synchronous: audio verdicts and
// control messages in, Deepgram-shaped events out, all timed on audio time (seconds of audio
// received), never on the wall clock. Wall-clock arrival times are passed in only to be reported.
//
// Speech is found by energy (voice-activity.ts). The words come from a script: interim results
// reveal the next scripted utterance word by word while speech lasts, the final result carries
// all of it. Result segments tile the stream as Deepgram's do: each Results covers
// [start, start + duration] and the next one starts where the last final ended.

import type { VadFrame } from './voice-activity.js';

export interface RecognizerConfig {
  vadEvents: boolean;
  interimResults: boolean;
  /** Silence that ends an utterance with speech_final; null = endpointing=false. */
  endpointingMs: number | null;
  utteranceEndMs: number | null;
  /** Voiced audio needed before speech counts as started (rejects clicks). */
  onsetMs: number;
  /** Audio time between interim results while speech lasts. */
  interimIntervalMs: number;
  /** With endpointing=false, the silence after which speech counts as paused (no final is sent). */
  pauseMsWithoutEndpointing: number;
  /** Pace at which interim results reveal the scripted words. */
  wordsPerSecond: number;
}

export interface TranscriptSource {
  /** The utterance the next final will carry, without consuming it. */
  peek(): string | undefined;
  /** Consumes the next utterance; undefined when the script is empty. */
  take(): string | undefined;
}

export interface WordTiming {
  word: string;
  punctuatedWord: string;
  startSec: number;
  endSec: number;
}

export interface FinalDetails {
  scripted: boolean;
  speechStartSec: number | null;
  speechEndSec: number | null;
  /** Arrival time of the audio that held the last voiced frame (null when there was no speech). */
  speechEndArrivalMs: number | null;
  /** Arrival time of the audio or control message that produced this final. */
  decidedArrivalMs: number;
}

export type RecognizerEvent =
  | { kind: 'speech-started'; timestampSec: number }
  | {
      kind: 'results';
      startSec: number;
      durationSec: number;
      isFinal: boolean;
      speechFinal: boolean;
      fromFinalize: boolean;
      transcript: string;
      words: WordTiming[];
      final: FinalDetails | null;
    }
  | { kind: 'utterance-end'; lastWordEndSec: number };

export class ListenRecognizer {
  private audioSec = 0;
  private segmentStartSec = 0;
  private inSpeech = false;
  private utteranceOpen = false;
  private voicedRunMs = 0;
  private candidateStartSec = 0;
  private speechStartSec = 0;
  private lastVoicedEndSec = 0;
  private lastVoicedArrivalMs = 0;
  private nextInterimAtSec = 0;
  private wordsSinceUtteranceEnd = false;
  private lastWordEndSec = 0;

  constructor(
    private readonly config: RecognizerConfig,
    private readonly script: TranscriptSource,
  ) {}

  get receivedAudioSec(): number {
    return this.audioSec;
  }

  processFrames(frames: readonly VadFrame[], arrivalMs: number): RecognizerEvent[] {
    const events: RecognizerEvent[] = [];
    for (const frame of frames) this.processFrame(frame, arrivalMs, events);
    return events;
  }

  /** Deepgram `Finalize`: closes whatever is pending now, speech or not. */
  finalize(arrivalMs: number): RecognizerEvent[] {
    const events: RecognizerEvent[] = [];
    if (this.utteranceOpen) {
      events.push(this.finalResult({ speechFinal: true, fromFinalize: true, arrivalMs }));
    } else {
      events.push(this.emptyFinal(arrivalMs));
    }
    this.inSpeech = false;
    this.voicedRunMs = 0;
    return events;
  }

  /** Deepgram `CloseStream`: the pending utterance, if any, is finalized before the stream ends. */
  closeStream(arrivalMs: number): RecognizerEvent[] {
    if (!this.utteranceOpen) return [];
    return [this.finalResult({ speechFinal: true, fromFinalize: false, arrivalMs })];
  }

  private processFrame(frame: VadFrame, arrivalMs: number, events: RecognizerEvent[]): void {
    const frameMs = (frame.endSec - frame.startSec) * 1000;
    this.audioSec = frame.endSec;
    if (frame.voiced) {
      if (this.inSpeech) {
        this.lastVoicedEndSec = frame.endSec;
        this.lastVoicedArrivalMs = arrivalMs;
      } else {
        if (this.voicedRunMs === 0) this.candidateStartSec = frame.startSec;
        this.voicedRunMs += frameMs;
        if (this.voicedRunMs >= this.config.onsetMs - 1e-6) this.startSpeech(frame, arrivalMs, events);
      }
    } else {
      this.voicedRunMs = 0;
      if (this.inSpeech) this.checkEndOfSpeech(arrivalMs, events);
    }
    if (this.inSpeech && this.config.interimResults && this.audioSec >= this.nextInterimAtSec - 1e-9) {
      events.push(this.interimResult());
      this.nextInterimAtSec += this.config.interimIntervalMs / 1000;
    }
    this.checkUtteranceEnd(arrivalMs, events);
  }

  private startSpeech(frame: VadFrame, arrivalMs: number, events: RecognizerEvent[]): void {
    this.inSpeech = true;
    this.lastVoicedEndSec = frame.endSec;
    this.lastVoicedArrivalMs = arrivalMs;
    if (!this.utteranceOpen) {
      this.utteranceOpen = true;
      this.speechStartSec = this.candidateStartSec;
    }
    this.nextInterimAtSec = this.candidateStartSec + this.config.interimIntervalMs / 1000;
    if (this.config.vadEvents) events.push({ kind: 'speech-started', timestampSec: this.candidateStartSec });
  }

  private checkEndOfSpeech(arrivalMs: number, events: RecognizerEvent[]): void {
    const silenceMs = (this.audioSec - this.lastVoicedEndSec) * 1000;
    const { endpointingMs } = this.config;
    if (endpointingMs !== null) {
      if (silenceMs >= endpointingMs - 1e-6) {
        events.push(this.finalResult({ speechFinal: true, fromFinalize: false, arrivalMs }));
        this.inSpeech = false;
      }
    } else if (silenceMs >= this.config.pauseMsWithoutEndpointing - 1e-6) {
      this.inSpeech = false;
    }
  }

  private checkUtteranceEnd(arrivalMs: number, events: RecognizerEvent[]): void {
    const { utteranceEndMs } = this.config;
    if (utteranceEndMs === null || !this.wordsSinceUtteranceEnd) return;
    const sinceWordMs = (this.audioSec - this.lastWordEndSec) * 1000;
    const silenceMs = (this.audioSec - this.lastVoicedEndSec) * 1000;
    if (sinceWordMs < utteranceEndMs - 1e-6 || silenceMs < utteranceEndMs - 1e-6) return;
    if (this.utteranceOpen) {
      events.push(this.finalResult({ speechFinal: false, fromFinalize: false, arrivalMs }));
      this.inSpeech = false;
    }
    events.push({ kind: 'utterance-end', lastWordEndSec: this.lastWordEndSec });
    this.wordsSinceUtteranceEnd = false;
  }

  private interimResult(): RecognizerEvent {
    const tokens = tokenize(this.script.peek() ?? '');
    const elapsedSec = this.audioSec - this.speechStartSec;
    const ceiling = Math.max(1, tokens.length - 1);
    const revealed = Math.min(tokens.length, ceiling, Math.max(1, Math.floor(elapsedSec * this.config.wordsPerSecond)));
    const words = layoutWords(tokens.slice(0, revealed), this.speechStartSec, this.lastVoicedEndSec);
    this.noteWords(words);
    return {
      kind: 'results',
      startSec: this.segmentStartSec,
      durationSec: this.audioSec - this.segmentStartSec,
      isFinal: false,
      speechFinal: false,
      fromFinalize: false,
      transcript: words.map((w) => w.punctuatedWord).join(' '),
      words,
      final: null,
    };
  }

  private finalResult(options: { speechFinal: boolean; fromFinalize: boolean; arrivalMs: number }): RecognizerEvent {
    const text = this.script.take();
    const tokens = tokenize(text ?? '');
    const words = layoutWords(tokens, this.speechStartSec, this.lastVoicedEndSec);
    this.noteWords(words);
    const event: RecognizerEvent = {
      kind: 'results',
      startSec: this.segmentStartSec,
      durationSec: this.audioSec - this.segmentStartSec,
      isFinal: true,
      speechFinal: options.speechFinal,
      fromFinalize: options.fromFinalize,
      transcript: tokens.join(' '),
      words,
      final: {
        scripted: text !== undefined,
        speechStartSec: this.speechStartSec,
        speechEndSec: this.lastVoicedEndSec,
        speechEndArrivalMs: this.lastVoicedArrivalMs,
        decidedArrivalMs: options.arrivalMs,
      },
    };
    this.segmentStartSec = this.audioSec;
    this.utteranceOpen = false;
    return event;
  }

  private emptyFinal(arrivalMs: number): RecognizerEvent {
    const event: RecognizerEvent = {
      kind: 'results',
      startSec: this.segmentStartSec,
      durationSec: this.audioSec - this.segmentStartSec,
      isFinal: true,
      speechFinal: false,
      fromFinalize: true,
      transcript: '',
      words: [],
      final: { scripted: false, speechStartSec: null, speechEndSec: null, speechEndArrivalMs: null, decidedArrivalMs: arrivalMs },
    };
    this.segmentStartSec = this.audioSec;
    return event;
  }

  private noteWords(words: WordTiming[]): void {
    const last = words.at(-1);
    if (!last) return;
    this.wordsSinceUtteranceEnd = true;
    this.lastWordEndSec = last.endSec;
  }
}

export function tokenize(text: string): string[] {
  return text.split(/\s+/).filter((token) => token.length > 0);
}

/** Spreads the words evenly over the voiced span, as a recognizer's word timings would. */
export function layoutWords(tokens: readonly string[], startSec: number, endSec: number): WordTiming[] {
  if (tokens.length === 0) return [];
  const span = Math.max(endSec - startSec, 0.05 * tokens.length);
  const perWord = span / tokens.length;
  return tokens.map((token, index) => ({
    word: token.toLowerCase().replace(/[^\p{L}\p{N}'-]/gu, '') || token.toLowerCase(),
    punctuatedWord: token,
    startSec: startSec + index * perWord,
    endSec: startSec + (index + 1) * perWord,
  }));
}
