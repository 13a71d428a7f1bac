// Backend configuration: read once from the environment, validated, frozen and
// injected. A bad environment fails start-up with ONE error that lists every
// problem; secret values are never echoed.
import { hkdfSync } from 'node:crypto';
import { resolve } from 'node:path';
import { z } from 'zod';
import { LOG_LEVELS, type LogLevel } from '../media/contract/logging.js';
import type { OutboundPolicy } from '../media/contract/outbound-guard.js';
import { parseTrustProxy, type TrustProxy } from './staff/trust-proxy.js';
import { ClusterEnvSchema, readClusterConfig, type ClusterConfig } from './cluster/cluster-config.js';

const ms = (fallback: number, min = 1) =>
  z.coerce.number({ error: 'must be a whole number of milliseconds' }).int().min(min).default(fallback);
const port = (fallback: number) =>
  z.coerce.number({ error: 'must be a port number' }).int().min(0).max(65535).default(fallback);
const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1' || value === 'yes');
const optionalFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .optional()
  .transform((value) => (value === undefined ? undefined : value === 'true' || value === '1' || value === 'yes'));
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
/** One URL or several, comma-separated (e.g. every media gateway). */
const httpUrlList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text) => text.split(',').map((url) => url.trim().replace(/\/+$/, '')).filter((url) => url !== ''))
    .pipe(z.array(httpUrl).min(1, 'must name at least one URL'));

const EnvSchema = z.object({
  ASTERISK_ARI_URL: httpUrl.default('http://127.0.0.1:8088'),
  ASTERISK_ARI_USERNAME: z.string({ error: 'is required' }).min(1, 'is required'),
  ASTERISK_ARI_PASSWORD: z.string({ error: 'is required' }).min(1, 'is required'),
  ARI_APP_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'must contain only letters, digits, "_" and "-"')
    .default('prosaas_ai'),
  ARI_MEDIA_TRANSPORT: z.enum(['rtp', 'websocket'], { error: 'must be rtp or websocket' }).default('rtp'),
  // Checked against the transport below: slin16 needs the websocket transport.
  ARI_MEDIA_FORMAT: z.enum(['ulaw', 'slin', 'slin16'], { error: 'must be ulaw, slin or slin16' }).optional(),
  ARI_MEDIA_WEBSOCKET_URL: z.url({ protocol: /^wss?$/, error: 'must be a ws:// or wss:// URL' }).optional(),
  ARI_REQUEST_TIMEOUT_MS: ms(5_000),
  ARI_PING_INTERVAL_MS: ms(3_000, 50),
  ARI_PONG_TIMEOUT_MS: ms(3_000, 50),
  ARI_RECONNECT_MIN_MS: ms(500, 10),
  ARI_RECONNECT_MAX_MS: ms(10_000, 10),
  ARI_REPLACED_CHECK_MS: ms(30_000, 100),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL').optional(),
  EMBEDDED_PG_DIR: z.string().min(1).default('.data/postgres'),
  EMBEDDED_PG_PORT: port(54329),
  DB_MIGRATE_ON_START: flag(true),
  DB_READY_TIMEOUT_MS: ms(1_000),
  MEDIA_GATEWAY_URL: httpUrlList('http://127.0.0.1:8090'),
  MEDIA_GATEWAY_TOKEN: z.string({ error: 'is required' }).min(16, 'must be at least 16 characters'),
  MEDIA_GATEWAY_TIMEOUT_MS: ms(3_000),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: port(3000),
  DEFAULT_COUNTRY_CODE: z.string().regex(/^[1-9]\d{0,2}$/, 'must be 1-3 digits, e.g. 1').default('1'),
  EXTERNAL_MEDIA_STASIS_TIMEOUT_MS: ms(2_000),
  TRANSFER_RING_TIMEOUT_S: z.coerce.number({ error: 'must be a whole number of seconds' }).int().min(5).max(120).default(30),
  ANNOUNCEMENT_TIMEOUT_MS: ms(30_000, 1_000),
  OUTBOUND_TRUNK: z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be a PJSIP endpoint name such as twilio-out').default('twilio-out'),
  OUTBOUND_RING_TIMEOUT_S: z.coerce.number({ error: 'must be a whole number of seconds' }).int().min(5).max(120).default(30),
  AMD_TIMEOUT_MS: ms(10_000, 1_000),
  CALL_SETUP_TIMEOUT_MS: ms(5_000),
  CLIP_WARM_POLL_MS: ms(15_000, 100),
  SHUTDOWN_DRAIN_MS: ms(10_000, 0),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  LOG_REDACT_PII: flag(false),
  // Staff console and admin API.
  OPERATOR_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  // The fallback phones' SIP passwords (the Asterisk image renders the same values into its
  // static fallback): the backend seeds their realtime rows from them at start.
  STAFF_100_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  STAFF_101_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  COOKIE_SECURE: optionalFlag,
  NODE_ENV: z.string().optional(),
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((value, context) => {
      const parsed = parseTrustProxy(value);
      if (typeof parsed === 'object' && parsed !== null && 'problem' in parsed) {
        context.addIssue({ code: 'custom', message: parsed.problem });
        return z.NEVER;
      }
      return parsed;
    }),
  STAFF_SESSION_TTL_MS: ms(12 * 60 * 60 * 1000, 60_000),
  STAFF_SESSION_IDLE_MS: ms(30 * 60 * 1000, 60_000),
  LIVE_EVENTS_HEARTBEAT_MS: ms(15_000, 10),
  RECORDINGS_DIR: z.string().min(1).default('recordings'),
  // Integrations: webhooks, and where the businesses' tools may point.
  INTEGRATIONS_ALLOW_PRIVATE_NETWORKS: flag(false),
  PUBLIC_URL: httpUrl.optional(),
  RECORDING_LINK_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  RECORDING_LINK_TTL_MS: ms(7 * 24 * 60 * 60 * 1000, 60_000),
  WEBHOOK_TIMEOUT_MS: ms(10_000, 100),
  WEBHOOK_RETRY_MIN_MS: ms(5_000, 10),
  WEBHOOK_RETRY_MAX_MS: ms(60 * 60 * 1000, 10),
  WEBHOOK_MAX_AGE_MS: ms(24 * 60 * 60 * 1000, 1_000),
  WEBHOOK_POLL_MS: ms(5_000, 20),
  WEBHOOK_CALL_ENDED_DELAY_MS: ms(2_000, 0),
  // OpenTelemetry traces over OTLP/HTTP (e.g. http://otel-collector:4318); unset: not exported.
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.optional(),
});

export interface Config {
  /** OTLP/HTTP endpoint of the traces; null: spans are not exported. */
  readonly tracing: { readonly otlpEndpoint: string | null };
  readonly ari: {
    readonly url: string;
    readonly username: string;
    readonly password: string;
    readonly appName: string;
    readonly mediaTransport: 'rtp' | 'websocket';
    readonly mediaFormat: 'ulaw' | 'slin' | 'slin16';
    /** Where the media gateway reaches Asterisk's /media/<connection id> (websocket transport); null: each node's ARI host and port. */
    readonly mediaWebSocketUrl: string | null;
    readonly requestTimeoutMs: number;
    readonly pingIntervalMs: number;
    readonly pongTimeoutMs: number;
    readonly reconnectMinMs: number;
    readonly reconnectMaxMs: number;
    readonly replacedCheckMs: number;
  };
  readonly db: {
    /** Undefined: start the embedded PostgreSQL in `embeddedDir`. */
    readonly url: string | undefined;
    readonly embeddedDir: string;
    readonly embeddedPort: number;
    readonly migrateOnStart: boolean;
    readonly readyTimeoutMs: number;
  };
  /** The Asterisk nodes, this replica and its leases (src/cluster/cluster-config.ts). */
  readonly cluster: ClusterConfig;
  readonly media: {
    /** The first media gateway (single-gateway setups, the operator's readiness view). */
    readonly url: string;
    /** Every media gateway; calls are spread over them. */
    readonly urls: readonly string[];
    readonly token: string;
    readonly timeoutMs: number;
  };
  readonly http: { readonly host: string; readonly port: number };
  readonly calls: {
    readonly defaultCountryCode: string;
    readonly externalMediaStasisTimeoutMs: number;
    /** The caller rings while the media path is set up: this bounds how long. */
    readonly setupTimeoutMs: number;
    /** How often businesses whose settings changed are looked for, to prepare their phrases. */
    readonly clipWarmPollMs: number;
    readonly shutdownDrainMs: number;
    /** Warm transfer: how long the person is rung, and how long their announcement may take. */
    readonly transferRingTimeoutS: number;
    readonly announcementTimeoutMs: number;
  };
  readonly outbound: {
    /** PJSIP endpoint of the trunk outbound calls go through: PJSIP/<number>@<trunk>. */
    readonly trunk: string;
    readonly ringTimeoutS: number;
    /** How long the dialplan's AMD() step may take before the call is given up. */
    readonly amdTimeoutMs: number;
  };
  readonly log: { readonly level: LogLevel; readonly redactPii: boolean };
  readonly staff: {
    /** Session cookies carry `Secure` (default: only when NODE_ENV=production). */
    readonly cookieSecure: boolean;
    /** A session ends this long after it was created, whatever happens. */
    readonly sessionTtlMs: number;
    /** A session ends after this long without a request. */
    readonly sessionIdleMs: number;
    /** Interval of the comment lines that keep live event streams open through proxies. */
    readonly liveHeartbeatMs: number;
    /** Absolute folder the recordings are read from (the media gateway's RECORDINGS_DIR, as mounted here). */
    readonly recordingsDir: string;
    /**
     * Which X-Forwarded-For hops to believe (behind a reverse proxy): false, a
     * number of proxies, or their addresses/CIDRs. The client address it yields
     * keys the sign-in throttle and the audit log.
     */
    readonly trustProxy: TrustProxy;
  };
  readonly admin: {
    /** Bearer token of the admin API; undefined disables the admin API (503). */
    readonly operatorToken: string | undefined;
    /** Extension -> SIP password of the fallback phones (100, 101) to seed; those not set are left as they are. */
    readonly fallbackExtensions: Readonly<Record<string, string>>;
  };
  readonly integrations: {
    /** Where webhooks (and the tools a manager saves) may point. */
    readonly outbound: OutboundPolicy;
    /** The console's public address (https://console.example.com): the base of signed recording links; undefined: no links. */
    readonly publicUrl: string | undefined;
    /** Key of the recording links' signatures (RECORDING_LINK_SECRET, else derived from MEDIA_GATEWAY_TOKEN). */
    readonly recordingLinkSecret: string;
    readonly recordingLinkTtlMs: number;
    readonly webhooks: {
      readonly timeoutMs: number;
      /** First retry delay; it doubles per attempt up to retryMaxMs. */
      readonly retryMinMs: number;
      readonly retryMaxMs: number;
      /** A delivery not through after this long (from its creation) is given up. */
      readonly maxAgeMs: number;
      /** How often the worker looks for due deliveries when nothing wakes it. */
      readonly pollMs: number;
      /** call.ended waits this long before its first attempt, so the gateway's last turn reports are in its transcript. */
      readonly callEndedDelayMs: number;
    };
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

function deepFreeze<T extends object>(value: T): T {
  for (const inner of Object.values(value)) {
    if (inner && typeof inner === 'object') deepFreeze(inner as object);
  }
  return Object.freeze(value);
}

/** Asterisk's HTTP server serves /ari and chan_websocket's /media: the same host and port, ws for http. */
export function mediaWebSocketUrlOf(ariUrl: string): string {
  const url = new URL(ariUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = '/media';
  url.search = '';
  return url.toString().replace(/\/+$/, '');
}

/** Every variable the backend reads, but the per-node ASTERISK_ARI_USERNAME_<NODE> / _PASSWORD_<NODE>. */
export const BACKEND_ENV_KEYS: readonly string[] = Object.freeze([...Object.keys(EnvSchema.shape), ...Object.keys(ClusterEnvSchema.shape)]);

/** Reads the backend configuration from `env`; throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  // `NAME=` (as in an env file) means "not set": the default applies.
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = EnvSchema.safeParse(set);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    readClusterConfig(set, clusterInputsOf(set), problems);
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  const problems: string[] = [];
  const cluster = readClusterConfig(
    set,
    {
      ariUrl: e.ASTERISK_ARI_URL,
      ariUsername: e.ASTERISK_ARI_USERNAME,
      ariPassword: e.ASTERISK_ARI_PASSWORD,
      appName: e.ARI_APP_NAME,
      host: e.HOST,
      port: e.PORT,
    },
    problems,
  );
  if (e.ARI_RECONNECT_MIN_MS > e.ARI_RECONNECT_MAX_MS) {
    problems.push('ARI_RECONNECT_MIN_MS: must not exceed ARI_RECONNECT_MAX_MS');
  }
  if (e.ARI_PING_INTERVAL_MS + e.ARI_PONG_TIMEOUT_MS > 10_000) {
    problems.push(
      'ARI_PING_INTERVAL_MS + ARI_PONG_TIMEOUT_MS: must not exceed 10000 (a dead ARI socket must be detected within 10 s)',
    );
  }
  const mediaFormat = e.ARI_MEDIA_FORMAT ?? (e.ARI_MEDIA_TRANSPORT === 'websocket' ? 'slin16' : 'ulaw');
  if (mediaFormat === 'slin16' && e.ARI_MEDIA_TRANSPORT === 'rtp') {
    problems.push(
      'ARI_MEDIA_FORMAT: slin16 is not supported over RTP (Asterisk drops 16 kHz RTP sent back to it): use ulaw or slin, or ARI_MEDIA_TRANSPORT=websocket',
    );
  }
  if (e.ARI_MEDIA_WEBSOCKET_URL !== undefined && cluster !== null && cluster.nodes.length > 1) {
    problems.push(
      "ARI_MEDIA_WEBSOCKET_URL: names one Asterisk; with several ASTERISK_NODES leave it unset (each node's /media is reached on its ARI host and port)",
    );
  }
  if (e.WEBHOOK_RETRY_MIN_MS > e.WEBHOOK_RETRY_MAX_MS) {
    problems.push('WEBHOOK_RETRY_MIN_MS: must not exceed WEBHOOK_RETRY_MAX_MS');
  }
  if (problems.length > 0 || cluster === null) throw new ConfigError(problems);

  return deepFreeze<Config>({
    ari: {
      url: e.ASTERISK_ARI_URL,
      username: e.ASTERISK_ARI_USERNAME,
      password: e.ASTERISK_ARI_PASSWORD,
      appName: e.ARI_APP_NAME,
      mediaTransport: e.ARI_MEDIA_TRANSPORT,
      mediaFormat,
      mediaWebSocketUrl: e.ARI_MEDIA_WEBSOCKET_URL === undefined ? null : e.ARI_MEDIA_WEBSOCKET_URL.replace(/\/+$/, ''),
      requestTimeoutMs: e.ARI_REQUEST_TIMEOUT_MS,
      pingIntervalMs: e.ARI_PING_INTERVAL_MS,
      pongTimeoutMs: e.ARI_PONG_TIMEOUT_MS,
      reconnectMinMs: e.ARI_RECONNECT_MIN_MS,
      reconnectMaxMs: e.ARI_RECONNECT_MAX_MS,
      replacedCheckMs: e.ARI_REPLACED_CHECK_MS,
    },
    db: {
      url: e.DATABASE_URL,
      embeddedDir: e.EMBEDDED_PG_DIR,
      embeddedPort: e.EMBEDDED_PG_PORT,
      migrateOnStart: e.DB_MIGRATE_ON_START,
      readyTimeoutMs: e.DB_READY_TIMEOUT_MS,
    },
    cluster,
    media: {
      url: e.MEDIA_GATEWAY_URL[0]!,
      urls: e.MEDIA_GATEWAY_URL,
      token: e.MEDIA_GATEWAY_TOKEN,
      timeoutMs: e.MEDIA_GATEWAY_TIMEOUT_MS,
    },
    http: { host: e.HOST, port: e.PORT },
    calls: {
      defaultCountryCode: e.DEFAULT_COUNTRY_CODE,
      externalMediaStasisTimeoutMs: e.EXTERNAL_MEDIA_STASIS_TIMEOUT_MS,
      setupTimeoutMs: e.CALL_SETUP_TIMEOUT_MS,
      clipWarmPollMs: e.CLIP_WARM_POLL_MS,
      shutdownDrainMs: e.SHUTDOWN_DRAIN_MS,
      transferRingTimeoutS: e.TRANSFER_RING_TIMEOUT_S,
      announcementTimeoutMs: e.ANNOUNCEMENT_TIMEOUT_MS,
    },
    outbound: { trunk: e.OUTBOUND_TRUNK, ringTimeoutS: e.OUTBOUND_RING_TIMEOUT_S, amdTimeoutMs: e.AMD_TIMEOUT_MS },
    log: { level: e.LOG_LEVEL, redactPii: e.LOG_REDACT_PII },
    staff: {
      cookieSecure: e.COOKIE_SECURE ?? e.NODE_ENV === 'production',
      sessionTtlMs: e.STAFF_SESSION_TTL_MS,
      sessionIdleMs: e.STAFF_SESSION_IDLE_MS,
      liveHeartbeatMs: e.LIVE_EVENTS_HEARTBEAT_MS,
      recordingsDir: resolve(e.RECORDINGS_DIR),
      trustProxy: e.TRUST_PROXY,
    },
    admin: {
      operatorToken: e.OPERATOR_TOKEN,
      fallbackExtensions: Object.freeze({
        ...(e.STAFF_100_PASSWORD ? { '100': e.STAFF_100_PASSWORD } : {}),
        ...(e.STAFF_101_PASSWORD ? { '101': e.STAFF_101_PASSWORD } : {}),
      }),
    },
    integrations: {
      outbound: { allowPrivateNetworks: e.INTEGRATIONS_ALLOW_PRIVATE_NETWORKS, requireHttps: e.NODE_ENV === 'production' },
      publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
      recordingLinkSecret: e.RECORDING_LINK_SECRET ?? derivedSecret(e.MEDIA_GATEWAY_TOKEN, 'recording-links'),
      recordingLinkTtlMs: e.RECORDING_LINK_TTL_MS,
      webhooks: {
        timeoutMs: e.WEBHOOK_TIMEOUT_MS,
        retryMinMs: e.WEBHOOK_RETRY_MIN_MS,
        retryMaxMs: e.WEBHOOK_RETRY_MAX_MS,
        maxAgeMs: e.WEBHOOK_MAX_AGE_MS,
        pollMs: e.WEBHOOK_POLL_MS,
        callEndedDelayMs: e.WEBHOOK_CALL_ENDED_DELAY_MS,
      },
    },
    tracing: { otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT ?? null },
  });
}

/**
 * A key for one purpose derived from a secret the deployment already has
 * (HKDF-SHA256 with the purpose as its info): every replica derives the same
 * key, and it reveals nothing of the secret it comes from.
 */
function derivedSecret(secret: string, purpose: string): string {
  return Buffer.from(hkdfSync('sha256', secret, 'prosaas-voice-agent', purpose, 32)).toString('base64url');
}

/** What the cluster variables need from the others when those did not validate (for the one error message). */
function clusterInputsOf(set: Readonly<Record<string, string | undefined>>) {
  return {
    ariUrl: set['ASTERISK_ARI_URL'] ?? 'http://127.0.0.1:8088',
    ariUsername: set['ASTERISK_ARI_USERNAME'] ?? '',
    ariPassword: set['ASTERISK_ARI_PASSWORD'] ?? '',
    appName: set['ARI_APP_NAME'] ?? 'prosaas_ai',
    host: set['HOST'] ?? '0.0.0.0',
    port: Number(set['PORT'] ?? 3000) || 0,
  };
}
