// What a starter acquires is registered here when it is acquired and released
// newest first: on a normal stop, when a later step of the start fails, and on
// Ctrl-C. One failing release does not stop the others.

type Release = () => Promise<unknown> | void;

export class CleanupStack {
  readonly #entries: { what: string; release: Release }[] = [];
  #running: Promise<string[]> | null = null;

  /** Registers a release; throws once releasing has begun (nothing may be acquired then). */
  add(what: string, release: Release): void {
    if (this.#running) throw new Error(`cannot acquire ${what}: already stopping`);
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

  /** Releases everything; throws one error listing the failed releases, if any. */
  async release(): Promise<void> {
    const failures = await this.releaseAll();
    if (failures.length > 0) throw new Error(failures.join('; '));
  }
}
