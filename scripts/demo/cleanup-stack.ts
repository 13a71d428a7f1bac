// Everything the demo starts is registered here when it is acquired and
// released newest first, on success, on failure and on Ctrl-C. One failing
// release does not stop the others.

type Release = () => Promise<void> | void;

export class CleanupStack {
  readonly #entries: { what: string; release: Release }[] = [];
  #running: Promise<string[]> | null = null;

  add(what: string, release: Release): void {
    if (this.#running) throw new Error(`cannot acquire ${what}: the demo is stopping`);
    this.#entries.push({ what, release });
  }

  /** Releases everything once; resolves with one message per release that failed. Idempotent. */
  releaseAll(): Promise<string[]> {
    this.#running ??= (async () => {
      const failures: string[] = [];
      while (this.#entries.length > 0) {
        const { what, release } = this.#entries.pop()!;
        try {
          await release();
        } catch (error) {
          failures.push(`stopping ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      return failures;
    })();
    return this.#running;
  }
}
