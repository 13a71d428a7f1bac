/** Db.ping() got no answer in time: the server is unreachable or overloaded (transient). */
export class DbPingTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`database did not answer within ${timeoutMs} ms`);
    this.name = 'DbPingTimeoutError';
  }
}
