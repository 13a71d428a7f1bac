// Waiting on a condition with a bound. Conditions with no event to listen to
// (a database row, an HTTP status) are re-checked every `intervalMs` until true
// or until `timeoutMs`, which fails the test with `what` in the message.

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  what?: string;
}

export async function waitUntil(check: () => boolean | Promise<boolean>, options: WaitOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 10;
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      if (await check()) return;
      lastError = null;
    } catch (error) {
      lastError = error;
    }
    if (performance.now() >= deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.what ?? 'condition'}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Resolves with the value once `read` returns something other than undefined/null. */
export async function waitFor<T>(read: () => T | null | undefined | Promise<T | null | undefined>, options: WaitOptions = {}): Promise<T> {
  let value: T | null | undefined;
  await waitUntil(async () => {
    value = await read();
    return value !== null && value !== undefined;
  }, options);
  return value as T;
}
