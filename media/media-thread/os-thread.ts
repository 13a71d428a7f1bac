// The media thread's identity for the operating system. Node gives every
// thread of a process the name "node", so tools that act per thread (`ps -L`,
// `top -H`, `chrt -p <tid>`, `taskset -p <tid>`) could not tell the thread
// that keeps the 20 ms clock from the others. The media thread names itself
// MEDIA_THREAD_NAME (Linux: /proc/thread-self/comm, the same field
// pthread_setname_np writes) and reports its thread id, so an operator or
// the bench can give exactly that thread a real-time priority or a core.
import { readlinkSync, writeFileSync } from 'node:fs';

/** The media thread's name as `ps -L -o tid,comm` shows it (Linux keeps 15 bytes). */
export const MEDIA_THREAD_NAME = 'prosaas-media';

/** Linux's limit for a thread name, without the terminating NUL. */
const MAX_NAME_BYTES = 15;

/**
 * Names the calling thread and returns its OS thread id; null where the
 * platform has no /proc/thread-self (not Linux), which leaves the thread
 * unnamed: naming is for tools, nothing in the gateway depends on it.
 */
export function nameCurrentThread(name: string): number | null {
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) throw new RangeError(`a thread name holds at most ${MAX_NAME_BYTES} bytes: ${name}`);
  let tid: number;
  try {
    // "<pid>/task/<tid>", relative to /proc.
    tid = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
  } catch {
    return null;
  }
  if (!Number.isSafeInteger(tid) || tid <= 0) return null;
  try {
    writeFileSync('/proc/thread-self/comm', name);
  } catch {
    // A read-only /proc (some sandboxes): the id is still right.
  }
  return tid;
}
