// Everything the bench acquires (child processes, temp dirs) is registered
// here when acquired, with a synchronous release, so it is released on every
// exit path: normal end, thrown error, Ctrl-C (SIGINT) or SIGTERM.
// Synchronous on purpose: `process.on('exit')` cannot wait for promises.
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

type Release = () => void;

export class CleanupRegistry {
  readonly #releases = new Map<number, { what: string; release: Release }>();
  #nextId = 0;

  /** Registers a release; the returned function runs it now (once) and unregisters it. */
  add(what: string, release: Release): () => void {
    const id = this.#nextId++;
    this.#releases.set(id, { what, release });
    return () => {
      const entry = this.#releases.get(id);
      if (entry === undefined) return;
      this.#releases.delete(id);
      entry.release();
    };
  }

  /** SIGKILLs the child if it is still running when the bench exits. */
  addChild(what: string, child: ChildProcess): () => void {
    return this.add(what, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
  }

  addTempDir(path: string): () => void {
    return this.add(`temp dir ${path}`, () => rmSync(path, { recursive: true, force: true }));
  }

  /** Runs every release, newest first; one failing release does not stop the others. */
  releaseAll(): void {
    const entries = [...this.#releases.entries()].reverse();
    this.#releases.clear();
    for (const [, { what, release }] of entries) {
      try {
        release();
      } catch (error) {
        process.stderr.write(`bench cleanup of ${what} failed: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    }
  }

  /** Releases on process exit and on SIGINT/SIGTERM (then exits 130/143). */
  installProcessHooks(): void {
    process.once('exit', () => this.releaseAll());
    const onSignal = (signal: NodeJS.Signals, code: number): void => {
      process.stderr.write(`\nbench interrupted (${signal}); cleaning up\n`);
      this.releaseAll();
      process.exit(code);
    };
    process.once('SIGINT', () => onSignal('SIGINT', 130));
    process.once('SIGTERM', () => onSignal('SIGTERM', 143));
  }
}
