// Where a call's recording lives: <root>/<business>/<yyyy>/<mm>/<call>.wav,
// year and month in UTC so the folder does not depend on the host's timezone.
// Both ids arrive over the network; only the UUID text form is accepted, which
// has no separators or dots and so can never leave the root.
import { isAbsolute, join, resolve } from 'node:path';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

/** Absolute path of the call's WAV file; ids are written in lower case. */
export function recordingPath(root: string, businessId: string, callId: string, startedAt: Date): string {
  if (root.length === 0) throw new Error('recording root must not be empty');
  if (!isUuid(businessId)) throw new Error('recording businessId must be a UUID');
  if (!isUuid(callId)) throw new Error('recording callId must be a UUID');
  if (Number.isNaN(startedAt.getTime())) throw new Error('recording startedAt must be a valid date');
  const year = String(startedAt.getUTCFullYear()).padStart(4, '0');
  const month = String(startedAt.getUTCMonth() + 1).padStart(2, '0');
  const absoluteRoot = isAbsolute(root) ? root : resolve(root);
  return join(absoluteRoot, businessId.toLowerCase(), year, month, `${callId.toLowerCase()}.wav`);
}
