// The environment each program gets from the kit: what connects it to the
// rest of the system on 127.0.0.1. Everything else takes the program's own
// defaults unless a caller overrides it; the same variables serve a program
// started in this process (through its config loader) and in its own process.

/** Inherited by a program in its own process; nothing else of this process's environment is. */
const INHERITED = ['PATH', 'HOME', 'TMPDIR', 'LANG'] as const;

export function inheritedEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

export interface BackendConnections {
  readonly ariUrl: string;
  readonly ariPassword: string;
  readonly databaseUrl: string;
  readonly gatewayUrl: string;
  readonly gatewayToken: string;
  /** 0: any free port (in-process only). */
  readonly port: number;
}

export function backendEnvironment(connections: BackendConnections): Record<string, string> {
  return {
    ASTERISK_ARI_URL: connections.ariUrl,
    ASTERISK_ARI_USERNAME: 'asterisk',
    ASTERISK_ARI_PASSWORD: connections.ariPassword,
    DATABASE_URL: connections.databaseUrl,
    MEDIA_GATEWAY_URL: connections.gatewayUrl,
    MEDIA_GATEWAY_TOKEN: connections.gatewayToken,
    HOST: '127.0.0.1',
    PORT: String(connections.port),
    // Nothing to wait for when the kit stops the system: a call still up is ended at once.
    SHUTDOWN_DRAIN_MS: '0',
  };
}

export interface GatewayConnections {
  readonly token: string;
  /** 0: any free port (in-process only). */
  readonly httpPort: number;
  readonly backendUrl: string | null;
  readonly recordingsDir: string;
  readonly clipCacheDir: string;
  readonly agent: 'silent' | 'echo' | 'ai';
}

export function gatewayEnvironment(connections: GatewayConnections): Record<string, string> {
  return {
    MEDIA_HTTP_HOST: '127.0.0.1',
    MEDIA_HTTP_PORT: String(connections.httpPort),
    MEDIA_GATEWAY_TOKEN: connections.token,
    MEDIA_AGENT: connections.agent,
    RTP_BIND_HOST: '127.0.0.1',
    RTP_PORT: '0',
    RTP_ADVERTISE_HOST: '127.0.0.1',
    RECORDINGS_DIR: connections.recordingsDir,
    CLIP_CACHE_DIR: connections.clipCacheDir,
    ...(connections.backendUrl === null ? {} : { BACKEND_URL: connections.backendUrl }),
  };
}
