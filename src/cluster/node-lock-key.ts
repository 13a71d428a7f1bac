// The advisory lock key of a node's lease: pg_try_advisory_lock(LEASE_LOCK_NAMESPACE, key).
// The key is computed here (FNV-1a, 32 bits) rather than with PostgreSQL's hashtext(), whose
// results are not promised to stay the same across server versions; loadConfig refuses two
// nodes whose keys collide.

/** First half of every lease lock (pg_locks.classid): "ASTR" as a big-endian int32. */
export const LEASE_LOCK_NAMESPACE = 0x41535452;

/** Signed 32-bit key (pg_locks.objid as int4) of `<app>@<node>`. */
export function nodeLockKey(appName: string, node: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(`${appName}@${node}`, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}
