// How long a call's write (its row with the webhook events it reports, a
// message with its event) may wait for a connection and run. Prisma's
// defaults (2 s to start, 5 s to run) fail a burst: a hundred calls starting
// at once queue for the pool's connections, and a write that gives up loses
// the row's state. Waiting longer only delays a write that would succeed.
export const CALL_WRITE_TRANSACTION = Object.freeze({ maxWait: 15_000, timeout: 15_000 });
