// Options of AriClient, validated once at construction.

import type { Logger } from 'pino';

export interface AriClientOptions {
  /** e.g. `http://asterisk:8088` (with or without `/ari`); no credentials in it. */
  url: string;
  username: string;
  password: string;
  appName: string;
  /** Per REST request, and for the events socket's opening handshake. */
  requestTimeoutMs: number;
  pingIntervalMs: number;
  /** A ping not answered within this time declares the events socket dead. */
  pongTimeoutMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** While replaced, how often to check whether the application name is free again. */
  replacedCheckMs: number;
  logger: Logger;
  /** Jitter source in [0, 1); Math.random by default. */
  random?: () => number;
}

export type AriClientTimings = Pick<
  AriClientOptions,
  'requestTimeoutMs' | 'pingIntervalMs' | 'pongTimeoutMs' | 'reconnectMinMs' | 'reconnectMaxMs' | 'replacedCheckMs'
>;

/** Suggested production timings: a silently dead socket is detected in under 6 s. */
export const ARI_CLIENT_DEFAULT_TIMINGS: Readonly<AriClientTimings> = Object.freeze({
  requestTimeoutMs: 5_000,
  pingIntervalMs: 3_000,
  pongTimeoutMs: 3_000,
  reconnectMinMs: 500,
  reconnectMaxMs: 10_000,
  replacedCheckMs: 5_000,
});

/** Throws one error listing every invalid option. */
export function validateAriClientOptions(options: AriClientOptions): void {
  const problems: string[] = [];
  for (const name of Object.keys(ARI_CLIENT_DEFAULT_TIMINGS) as (keyof AriClientTimings)[]) {
    const value = options[name];
    if (!Number.isFinite(value) || value <= 0) problems.push(`${name} must be a positive number`);
  }
  if (options.reconnectMaxMs < options.reconnectMinMs) problems.push('reconnectMaxMs must be >= reconnectMinMs');
  if (options.appName.trim() === '') problems.push('appName must not be empty');
  if (options.username === '') problems.push('username must not be empty');
  if (problems.length > 0) throw new Error(`invalid ARI client options: ${problems.join('; ')}`);
}
