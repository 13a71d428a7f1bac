// ClipCache with an in-memory TTS provider and a real folder for its disk copy.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ClipCache, type ClipCacheOptions } from '../../../media/conversation/clip-cache.js';
import { InMemoryTts, providerFailure } from '../../support/doubles/providers.js';
import { waitUntil } from '../../kit/wait.js';

const VOICE = 'aura-2-thalia-en';
const GREETING = 'Thanks for calling Bright Smile Dental.';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'clip-cache-test-'));
  dirs.push(dir);
  return dir;
}

function cache(tts: InMemoryTts, options: Partial<ClipCacheOptions> = {}) {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  const clips = new ClipCache({ tts, vendor: 'deepgram', logger, dir: null, ...options });
  return { clips, logs: () => lines.map((line) => JSON.parse(line) as { msg: string }) };
}

describe('ClipCache', () => {
  it('synthesizes a clip once, shares the synthesis between concurrent callers and keeps it in memory', async () => {
    const tts = new InMemoryTts({ framesPerWord: 3 });
    const { clips } = cache(tts);
    expect(clips.peek(VOICE, GREETING)).toBeNull();
    const [first, second] = await Promise.all([clips.get(VOICE, GREETING), clips.get(VOICE, GREETING)]);
    expect(first).toBe(second);
    expect(first.frames).toHaveLength(6 * 3); // six words
    expect(tts.sessions).toHaveLength(1);
    expect(tts.sessions[0]!.spoken).toEqual([GREETING]);
    expect(tts.sessions[0]!.closed).toBe(true);
    expect(clips.peek(VOICE, GREETING)).toBe(first);
    expect(await clips.get(VOICE, GREETING)).toBe(first);
    expect(tts.sessions).toHaveLength(1);
  });

  it('tells voices apart', async () => {
    const tts = new InMemoryTts();
    const { clips } = cache(tts);
    await clips.get(VOICE, GREETING);
    await clips.get('aura-2-orion-en', GREETING);
    expect(tts.sessions.map((session) => session.voice)).toEqual([VOICE, 'aura-2-orion-en']);
  });

  it('forgets the least recently used clip beyond its size', async () => {
    const tts = new InMemoryTts();
    const { clips } = cache(tts, { maxEntries: 2 });
    await clips.get(VOICE, 'A.');
    await clips.get(VOICE, 'B.');
    expect(clips.peek(VOICE, 'A.')).not.toBeNull();
    await clips.get(VOICE, 'C.');
    expect(clips.peek(VOICE, 'B.')).toBeNull();
    expect(clips.peek(VOICE, 'A.')).not.toBeNull();
    expect(clips.peek(VOICE, 'C.')).not.toBeNull();
  });

  it.each(['ulaw', 'pcm'] as const)('keeps a disk copy of %s clips that a later process reads without the provider', async (frameKind) => {
    const dir = await tempDir();
    const { clips } = cache(new InMemoryTts({ frameKind }), { dir });
    const synthesized = await clips.get(VOICE, GREETING);
    expect(await readdir(dir)).toEqual([expect.stringMatching(/^[0-9a-f]{64}\.clip$/)]);

    const down = new InMemoryTts();
    down.openFailure = providerFailure('tts', 'connection refused');
    const { clips: restarted } = cache(down, { dir });
    const fromDisk = await restarted.get(VOICE, GREETING);
    expect(fromDisk.frames).toEqual(synthesized.frames);
    expect(down.sessions).toHaveLength(0);
  });

  it('synthesizes again when the disk copy is damaged', async () => {
    const dir = await tempDir();
    const key = createHash('sha256').update(`deepgram\u0000${VOICE}\u0000${GREETING}`).digest('hex');
    await writeFile(join(dir, `${key}.clip`), Buffer.from([0, 1, 2]));
    const tts = new InMemoryTts();
    const { clips } = cache(tts, { dir });
    expect((await clips.get(VOICE, GREETING)).frames.length).toBeGreaterThan(0);
    expect(tts.sessions).toHaveLength(1);
  });

  it('gives up on a synthesis that takes too long, and closes its session', async () => {
    const tts = new InMemoryTts({ automatic: false });
    const { clips } = cache(tts, { synthesisTimeoutMs: 30 });
    await expect(clips.get(VOICE, GREETING)).rejects.toThrow('clip synthesis timed out');
    expect(tts.sessions[0]!.closed).toBe(true);
    expect(clips.peek(VOICE, GREETING)).toBeNull();
  });

  it('warms in the background: a failure is logged, not thrown, and the next get tries again', async () => {
    const tts = new InMemoryTts();
    tts.openFailure = providerFailure('tts', 'connection refused');
    const { clips, logs } = cache(tts);
    clips.warm(VOICE, [GREETING, '  ']);
    await waitUntil(() => logs().some((entry) => entry.msg === 'clip could not be prepared'), { what: 'the warm-up failure to be logged' });
    expect(logs().filter((entry) => entry.msg === 'clip could not be prepared')).toHaveLength(1);
    tts.openFailure = null;
    expect((await clips.get(VOICE, GREETING)).frames.length).toBeGreaterThan(0);
  });
});
