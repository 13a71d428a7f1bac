// The media gateway's configuration: read once from an environment object,
// validated with one schema, frozen, and injected. Startup fails with one
// error that lists every problem; messages name the variable and the rule it
// breaks and never repeat the value (some values are secrets).
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { z } from 'zod';
import { AGENT_KINDS, type AgentKind } from './agents/index.js';
import { AiEnvShape, aiConfig, aiProblems, type AiConfig } from './config-ai.js';
import { LOG_LEVELS, type LogLevel } from './contract/logging.js';
import type { OutboundPolicy } from './contract/outbound-guard.js';

export { LOG_LEVELS, type LogLevel };

export const MIN_GATEWAY_TOKEN_LENGTH = 16;

export interface MediaConfig {
  readonly http: { readonly host: string; readonly port: number };
  /** Shared with the backend; every route but /health requires it as a bearer token. */
  readonly gatewayToken: string;
  readonly rtp: {
    /** IP address the one RTP socket binds to. */
    readonly bindHost: string;
    /** UDP port of the RTP socket; 0 picks an ephemeral port (tests). */
    readonly port: number;
    /** Host Asterisk sends RTP to: the host part of externalMedia `external_host`. */
    readonly advertiseHost: string;
  };
  readonly maxSessions: number;
  /** Who speaks on calls: `ai` (default), `echo` (diagnostics, benchmarks) or `silent`. */
  readonly agent: AgentKind;
  readonly recordings: {
    /** Root folder; each call is recorded under <business>/<yyyy>/<mm>/<call>.wav. */
    readonly dir: string;
    readonly enabled: boolean;
  };
  /** The inbound jitter buffer adapts its depth from minMs (a clean link) up to targetMs. */
  readonly jitter: { readonly minMs: number; readonly targetMs: number; readonly maxMs: number };
  /** Offsets inside the 20 ms frame over which sessions' ticks are spread. */
  readonly clockPhases: number;
  /** On SIGTERM the gateway takes no new call and lets its calls end for at most this long. */
  readonly drainTimeoutMs: number;
  /** Providers, backend and conversation timings (used when agent is `ai`). */
  readonly ai: AiConfig;
  readonly logLevel: LogLevel;
  /** LOG_REDACT_PII: no caller numbers, transcripts, message contents or tool arguments in the log. */
  readonly logRedactPii: boolean;
  /**
   * Where the business's tools (HTTP, MCP) may be called: https only in
   * production (NODE_ENV), public addresses only unless
   * INTEGRATIONS_ALLOW_PRIVATE_NETWORKS.
   */
  readonly outbound: OutboundPolicy;
  /** OTLP/HTTP endpoint of the traces; null: spans are not exported. */
  readonly otlpEndpoint: string | null;
}

export class MediaConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid media gateway configuration: ${problems.join('; ')}`);
    this.name = 'MediaConfigError';
    this.problems = Object.freeze([...problems]);
  }
}

const HOSTNAME_PATTERN =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const UNSPECIFIED_ADDRESSES = new Set(['0.0.0.0', '::', '0:0:0:0:0:0:0:0']);

/** `FOO=` in an env file means "not set", so the default applies. */
const unsetIfEmpty = (value: unknown): unknown => (value === '' ? undefined : value);

const optionalString = (fallback: string) =>
  z.preprocess(unsetIfEmpty, z.string().optional()).transform((value) => value ?? fallback);

const integerVar = (fallback: number, min: number, max: number, rule: string) =>
  z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^\d+$/, { error: rule })
      .transform(Number)
      .pipe(z.number().int().min(min, { error: rule }).max(max, { error: rule }))
      .optional(),
  ).transform((value) => value ?? fallback);

const portVar = (fallback: number) => integerVar(fallback, 0, 65535, 'must be an integer from 0 to 65535');

const MediaEnvSchema = z.object({
  MEDIA_HTTP_HOST: optionalString('0.0.0.0'),
  MEDIA_HTTP_PORT: portVar(8090),
  MEDIA_GATEWAY_TOKEN: z.preprocess(
    unsetIfEmpty,
    z
      .string({ error: 'is required' })
      .min(MIN_GATEWAY_TOKEN_LENGTH, { error: `must be at least ${MIN_GATEWAY_TOKEN_LENGTH} characters` }),
  ),
  RTP_BIND_HOST: optionalString('0.0.0.0').refine((host) => isIP(host) !== 0, {
    error: 'must be an IP address (for example 0.0.0.0 or ::)',
  }),
  RTP_PORT: portVar(40000),
  RTP_ADVERTISE_HOST: optionalString('127.0.0.1')
    .refine((host) => !UNSPECIFIED_ADDRESSES.has(host), {
      error: 'must be the address Asterisk can reach, not an unspecified address like 0.0.0.0',
    })
    .refine((host) => UNSPECIFIED_ADDRESSES.has(host) || isIP(host) !== 0 || HOSTNAME_PATTERN.test(host), {
      error: 'must be an IP address or a hostname',
    }),
  MEDIA_MAX_SESSIONS: integerVar(2000, 1, 1_000_000, 'must be an integer from 1 to 1000000'),
  MEDIA_AGENT: z
    .preprocess(unsetIfEmpty, z.enum(AGENT_KINDS, { error: `must be one of ${AGENT_KINDS.join(', ')}` }).optional())
    .transform((value) => value ?? 'ai'),
  RECORDINGS_DIR: optionalString('recordings'),
  RECORDING_ENABLED: z
    .preprocess(unsetIfEmpty, z.enum(['true', 'false'], { error: 'must be true or false' }).optional())
    .transform((value) => value !== 'false'),
  // The jitter buffer's depth adapts from JITTER_MIN_MS (a clean link) up to JITTER_TARGET_MS.
  JITTER_MIN_MS: integerVar(20, 20, 600, 'must be an integer from 20 to 600 (ms, a multiple of 20)').refine(
    (ms) => ms % 20 === 0,
    { error: 'must be a multiple of 20 (ms)' },
  ),
  JITTER_TARGET_MS: integerVar(60, 20, 600, 'must be an integer from 20 to 600 (ms, a multiple of 20)').refine(
    (ms) => ms % 20 === 0,
    { error: 'must be a multiple of 20 (ms)' },
  ),
  // The jitter buffer holds at most 32 frames (640 ms): more would be latency no caller accepts.
  JITTER_MAX_MS: integerVar(200, 40, 640, 'must be an integer from 40 to 640 (ms, a multiple of 20)').refine(
    (ms) => ms % 20 === 0,
    { error: 'must be a multiple of 20 (ms)' },
  ),
  MEDIA_CLOCK_PHASES: integerVar(10, 1, 20, 'must be an integer from 1 to 20'),
  // 0: close at once. Kubernetes' terminationGracePeriodSeconds must cover it.
  MEDIA_DRAIN_TIMEOUT_MS: integerVar(300_000, 0, 86_400_000, 'must be an integer from 0 to 86400000 (ms)'),
  // OpenTelemetry traces over OTLP/HTTP; unset: not exported.
  OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess(unsetIfEmpty, z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional()),
  ...AiEnvShape,
  LOG_LEVEL: z.preprocess(
    unsetIfEmpty,
    z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).optional(),
  ).transform((value) => value ?? 'info'),
  // The backend reads the same variable from the same file: the same spellings.
  LOG_REDACT_PII: z
    .preprocess(
      unsetIfEmpty,
      z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' }).optional(),
    )
    .transform((value) => value === 'true' || value === '1' || value === 'yes'),
  // The backend reads the same two from the same file: one policy for webhooks and tools.
  INTEGRATIONS_ALLOW_PRIVATE_NETWORKS: z
    .preprocess(
      unsetIfEmpty,
      z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' }).optional(),
    )
    .transform((value) => value === 'true' || value === '1' || value === 'yes'),
  NODE_ENV: optionalString(''),
});

type MediaEnvKey = keyof z.infer<typeof MediaEnvSchema>;
/** Every variable the gateway reads. */
export const MEDIA_ENV_KEYS = Object.keys(MediaEnvSchema.shape) as MediaEnvKey[];

function describeIssue(issue: z.core.$ZodIssue): string {
  const variable = String(issue.path[0] ?? 'environment');
  return `${variable} ${issue.message}`;
}

export function loadMediaConfig(env: NodeJS.ProcessEnv): MediaConfig {
  // Only the gateway's own variables are read; the rest of the environment is ignored.
  const input = Object.fromEntries(MEDIA_ENV_KEYS.map((key) => [key, env[key]]));
  const parsed = MediaEnvSchema.safeParse(input);
  const problems = parsed.success ? [] : parsed.error.issues.map(describeIssue);
  // Checked on the raw values too, so one error lists it with every other problem.
  const target = Number(input.JITTER_TARGET_MS || 60);
  const max = Number(input.JITTER_MAX_MS || 200);
  const jitterVarsValid = !problems.some((p) => p.startsWith('JITTER_'));
  if (jitterVarsValid && Number.isInteger(target) && Number.isInteger(max) && max <= target) {
    problems.push('JITTER_MAX_MS must be greater than JITTER_TARGET_MS');
  }
  const min = Number(input.JITTER_MIN_MS || 20);
  if (jitterVarsValid && Number.isInteger(min) && Number.isInteger(target) && min > target) {
    problems.push('JITTER_MIN_MS must not be greater than JITTER_TARGET_MS');
  }
  // On the raw values: a key that was given (even an invalid one) is not "missing".
  problems.push(...aiProblems(String(input.MEDIA_AGENT || 'ai'), input));
  if (!parsed.success || problems.length > 0) throw new MediaConfigError(problems);
  const vars = parsed.data;
  return Object.freeze({
    http: Object.freeze({ host: vars.MEDIA_HTTP_HOST, port: vars.MEDIA_HTTP_PORT }),
    gatewayToken: vars.MEDIA_GATEWAY_TOKEN,
    rtp: Object.freeze({
      bindHost: vars.RTP_BIND_HOST,
      port: vars.RTP_PORT,
      advertiseHost: vars.RTP_ADVERTISE_HOST,
    }),
    maxSessions: vars.MEDIA_MAX_SESSIONS,
    agent: vars.MEDIA_AGENT,
    recordings: Object.freeze({ dir: resolve(vars.RECORDINGS_DIR), enabled: vars.RECORDING_ENABLED }),
    jitter: Object.freeze({ minMs: vars.JITTER_MIN_MS, targetMs: vars.JITTER_TARGET_MS, maxMs: vars.JITTER_MAX_MS }),
    clockPhases: vars.MEDIA_CLOCK_PHASES,
    drainTimeoutMs: vars.MEDIA_DRAIN_TIMEOUT_MS,
    ai: aiConfig(vars, (path) => resolve(path)),
    logLevel: vars.LOG_LEVEL,
    logRedactPii: vars.LOG_REDACT_PII,
    outbound: Object.freeze({ allowPrivateNetworks: vars.INTEGRATIONS_ALLOW_PRIVATE_NETWORKS, requireHttps: vars.NODE_ENV === 'production' }),
    otlpEndpoint: vars.OTEL_EXPORTER_OTLP_ENDPOINT ?? null,
  });
}
