// Reference data recorded from real Asterisk releases lives beside the
// project in ../shared (the ARI description and traces, module dependencies,
// realtime schemas). It is read from there at test time, never copied in.
// SHARED_REFERENCE_DIR overrides the location.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export const SHARED_DIR = resolve(process.env.SHARED_REFERENCE_DIR ?? join(PROJECT_ROOT, '..', 'shared'));

/** The absolute path of `parts` under the shared reference folder; throws naming the folder when it is absent. */
export function sharedPath(...parts: string[]): string {
  const path = join(SHARED_DIR, ...parts);
  if (!existsSync(path)) {
    throw new Error(`reference data ${parts.join('/')} not found in ${SHARED_DIR}: check out the shared reference folder beside the project, or set SHARED_REFERENCE_DIR`);
  }
  return path;
}
