// The media thread names itself for the operating system and reports its
// thread id, so tools that act per thread (chrt, taskset, ps -L) can find the
// thread that keeps the 20 ms clock among the process's "node" threads.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMediaLogger } from '../../../media/logger.js';
import { MediaThread } from '../../../media/media-thread/media-thread.js';
import { MEDIA_THREAD_NAME, nameCurrentThread } from '../../../media/media-thread/os-thread.js';

describe('the media thread’s OS identity', () => {
  it('reports a thread id of this process whose name is the media thread’s', async () => {
    const thread = await MediaThread.start({
      bindHost: '127.0.0.1',
      port: 0,
      clockPhases: 4,
      agent: 'silent',
      agentFactory: null,
      recordings: { dir: '.', enabled: false },
      jitter: { minFrames: 2, targetFrames: 3, maxFrames: 10 },
      logLevel: 'silent',
      logger: createMediaLogger('silent'),
    });
    try {
      expect(thread.threadId).not.toBeNull();
      expect(thread.threadId).not.toBe(process.pid);
      expect(readFileSync(`/proc/${process.pid}/task/${thread.threadId}/comm`, 'utf8').trimEnd()).toBe(MEDIA_THREAD_NAME);
    } finally {
      await thread.stop();
    }
  });

  it('refuses a name Linux would cut short', () => {
    expect(() => nameCurrentThread('a-name-of-sixteen')).toThrow(/at most 15 bytes/);
  });
});
