// Administration connections to the test PostgreSQL server, shared by the
// global setup (which creates the template database) and db.ts (which clones it).
import pg from 'pg';

/** `serverUrl` with its database replaced by `database`. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/** Runs `fn` with a client connected to `adminUrl`, closed afterwards. */
export async function withAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  // A connection error surfaces through connect() or the query; without a listener it would crash.
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The rows of one statement, on a connection opened and closed for it. */
export function queryOnce<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  return withAdmin(url, async (client) => (await client.query<T>(sql)).rows);
}
