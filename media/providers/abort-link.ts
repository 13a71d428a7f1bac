// A child AbortController that follows a parent signal (a call's or a turn's)
// and detaches from it when disposed. Written out instead of AbortSignal.any:
// the parent lives for a whole call while children come and go per request,
// and every child must let go of the parent's listener list.

export interface LinkedAbort {
  readonly controller: AbortController;
  readonly signal: AbortSignal;
  /** Removes the listener on the parent; the child keeps its state. Idempotent. */
  dispose(): void;
}

export function linkAbort(parent: AbortSignal): LinkedAbort {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(parent.reason);
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener('abort', onAbort, { once: true });
  return {
    controller,
    signal: controller.signal,
    dispose: () => parent.removeEventListener('abort', onAbort),
  };
}

/** The reason to reject with when an operation is abandoned because `signal` aborted. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}
