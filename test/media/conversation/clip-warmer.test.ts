// ClipWarmer on a clip cache double whose syntheses the test finishes one by
// one: how many run at once, what is queued, skipped and dropped.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ClipAudio } from '../../../media/conversation/clip-cache.js';
import { clipTexts } from '../../../media/conversation/clip-texts.js';
import { ClipWarmer } from '../../../media/conversation/clip-warmer.js';
import type { AgentSettings } from '../../../media/contract/sessions.js';
import { waitUntil } from '../../kit/wait.js';

const agent = (greeting: string, voice = 'aura-2-thalia-en'): AgentSettings => ({
  businessName: 'Acme Dental',
  greeting,
  systemPrompt: 'You answer the phone.',
  voice,
  language: 'en',
  timezone: 'UTC',
  transferTarget: null,
});

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => (resolve = res));
  return { promise, resolve };
}

class HeldClips {
  readonly cached = new Set<string>();
  readonly started: { voice: string; text: string; done: Deferred<ClipAudio> }[] = [];
  running = 0;
  maxRunning = 0;

  peek(voice: string, text: string): ClipAudio | null {
    return this.cached.has(`${voice}/${text}`) ? { frames: [] } : null;
  }

  async get(voice: string, text: string): Promise<ClipAudio> {
    const done = deferred<ClipAudio>();
    this.started.push({ voice, text, done });
    this.running += 1;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      return await done.promise;
    } finally {
      this.running -= 1;
      this.cached.add(`${voice}/${text}`);
    }
  }

  finishAll(): void {
    for (const clip of this.started) clip.done.resolve({ frames: [] });
  }
}

function warmer(clips: HeldClips, options: { concurrency?: number; maxQueued?: number; signal?: AbortSignal } = {}) {
  return new ClipWarmer({
    clips,
    logger: pino({ level: 'silent' }),
    concurrency: options.concurrency ?? 2,
    maxQueued: options.maxQueued ?? 1_000,
    signal: options.signal ?? new AbortController().signal,
  });
}

describe('ClipWarmer', () => {
  it('synthesizes every phrase of every business, never more than `concurrency` at once', async () => {
    const clips = new HeldClips();
    const w = warmer(clips, { concurrency: 2 });
    const phrases = Object.values(clipTexts(agent('Hello from A.'))).length;
    expect(w.warm([agent('Hello from A.'), agent('Hello from B.')])).toBe(phrases + 1);
    expect(clips.started).toHaveLength(2);
    while (w.pending > 0) {
      const before = clips.started.length;
      clips.finishAll();
      await waitUntil(() => clips.started.length > before || w.pending === 0, { what: 'the next syntheses to start' });
    }
    await w.idle();
    expect(clips.maxRunning).toBe(2);
    expect(new Set(clips.started.map((clip) => clip.text))).toEqual(new Set([...Object.values(clipTexts(agent('Hello from A.'))), 'Hello from B.']));
    expect(clips.started).toHaveLength(phrases + 1);
  });

  it('skips phrases cached or already queued, and a voice makes a phrase different', () => {
    const clips = new HeldClips();
    clips.cached.add('aura-2-thalia-en/One moment.');
    const w = warmer(clips, { concurrency: 1 });
    const first = w.warm([agent('Hello.')]);
    expect(first).toBe(Object.values(clipTexts(agent('Hello.'))).length - 1);
    expect(w.warm([agent('Hello.')])).toBe(0);
    expect(w.warm([agent('Hello.', 'aura-2-orion-en')])).toBe(first + 1);
    expect(clips.started.map((clip) => clip.text)).not.toContain('One moment.');
  });

  it('drops what exceeds maxQueued, and stops when its signal aborts', async () => {
    const clips = new HeldClips();
    const stop = new AbortController();
    const w = warmer(clips, { concurrency: 1, maxQueued: 3, signal: stop.signal });
    expect(w.warm([agent('Hello.')])).toBe(3);
    stop.abort();
    clips.finishAll();
    await w.idle();
    expect(clips.started).toHaveLength(1);
    expect(w.warm([agent('Other.')])).toBe(0);
  });
});
