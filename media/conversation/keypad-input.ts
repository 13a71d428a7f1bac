// Keys the caller presses (DTMF), collected into sequences (pure). A sequence
// ends with '#' (not part of it) or after `gapMs` without a key, so "1234#"
// and "1234" then a pause are both the entry 1234. Digits, '*' and A-D count.
import { TOOL_NAMES } from './conversation-tools.js';
import type { KeypadAction, LlmToolCall } from './conversation-types.js';

const SEQUENCE_MAX = 64;

export class KeypadInput {
  readonly #gapMs: number;
  #digits = '';
  #lastAtMs = 0;

  constructor(gapMs: number) {
    if (!Number.isFinite(gapMs) || gapMs <= 0) throw new RangeError('gapMs must be a positive number of ms');
    this.#gapMs = gapMs;
  }

  /** No key of an unfinished sequence is waiting. */
  get idle(): boolean {
    return this.#digits === '';
  }

  /** Adds a key; returns the finished sequence when '#' (or the length limit) ends it, else null. */
  press(digit: string, atMs: number): string | null {
    if (digit === '#') return this.#take();
    this.#digits += digit;
    this.#lastAtMs = atMs;
    return this.#digits.length >= SEQUENCE_MAX ? this.#take() : null;
  }

  /** The sequence, once `gapMs` passed since its last key; else null. */
  expire(atMs: number): string | null {
    return this.#digits !== '' && atMs - this.#lastAtMs >= this.#gapMs ? this.#take() : null;
  }

  #take(): string | null {
    const digits = this.#digits;
    this.#digits = '';
    return digits === '' ? null : digits;
  }
}

/** The tool call a mapped key stands for (the history then says what happened, as for the model's own). */
export function keypadToolCall(action: KeypadAction, digit: string, id: string): LlmToolCall {
  return { id, name: action === 'transfer' ? TOOL_NAMES.transfer : TOOL_NAMES.endCall, arguments: { reason: `the caller pressed ${digit}` } };
}

/** What the LLM and the turn record read for a key sequence. */
export function keypadWords(digits: string): string {
  return `The caller pressed ${[...digits].join(' ')} on the keypad.`;
}
