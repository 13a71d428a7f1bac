// The bench finds a process's threads by the name they gave themselves and
// makes exactly those SCHED_FIFO (--rt).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { canRunRealtime, makeNormal, makeRealtime, schedulingPolicy, threadIdsNamed } from '../../../scripts/bench/cpu-placement.js';
import { makeGatewayRealtime } from '../../../scripts/bench/gateway-process.js';

/** A worker thread that names itself `name` and reports its thread id, then idles until terminated. */
async function namedWorker(name: string): Promise<{ worker: Worker; tid: number }> {
  const worker = new Worker(
    `const { readlinkSync, writeFileSync } = require('node:fs');
     const { parentPort, workerData } = require('node:worker_threads');
     writeFileSync('/proc/thread-self/comm', workerData);
     parentPort.postMessage(Number(readlinkSync('/proc/thread-self').split('/').pop()));
     setInterval(() => {}, 60_000);`,
    { eval: true, workerData: name },
  );
  const [tid] = (await once(worker, 'message')) as [number];
  return { worker, tid };
}

describe('threads of the process under test', () => {
  const workers: Worker[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.terminate()));
  });

  it('finds a thread by its name, and only that one', async () => {
    const named = await namedWorker('bench-named');
    workers.push(named.worker, (await namedWorker('bench-other')).worker);
    expect(threadIdsNamed(process.pid, 'bench-named')).toEqual([named.tid]);
    expect(threadIdsNamed(process.pid, 'no-such-thread')).toEqual([]);
  });

  it('finds nothing in a process that is gone', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    await once(child, 'exit');
    expect(threadIdsNamed(child.pid!, 'node')).toEqual([]);
  });

  it('makes one thread SCHED_FIFO and back, leaving the others as they were, or says why it cannot', async () => {
    const named = await namedWorker('bench-rt');
    workers.push(named.worker);
    if (canRunRealtime()) {
      makeRealtime(named.tid, 10);
      expect(schedulingPolicy(named.tid)).toBe('SCHED_FIFO');
      expect(schedulingPolicy(process.pid)).toBe('SCHED_OTHER');
      makeNormal(named.tid);
      expect(schedulingPolicy(named.tid)).toBe('SCHED_OTHER');
    } else {
      expect(() => makeRealtime(named.tid, 10)).toThrow(`thread ${named.tid}`);
    }
  });

  it('refuses to make a gateway real-time without its media thread', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60_000)']);
    try {
      expect(() => makeGatewayRealtime(child.pid!)).toThrow(/no thread named prosaas-media/);
    } finally {
      child.kill();
      await once(child, 'exit');
    }
  });
});
