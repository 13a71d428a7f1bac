// GET /metrics of the backend (Prometheus text format 0.0.4): per Asterisk node
// whether this replica holds it, whether its ARI socket is registered and how
// many calls it holds there; the conversation failures the gateways reported
// (by provider); and how late the event loop runs. Read when scraped.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import type { NodeRuntime } from './node-runtime.js';
import { bearerTokenChecker } from '../http/bearer-auth.js';
import { ApiError } from '../http/errors.js';
import type { ConversationStore } from '../calls/conversation-store.js';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const LOOP_RESOLUTION_MS = 10;

interface Sample {
  readonly labels?: Readonly<Record<string, string>>;
  readonly value: number;
}

interface Family {
  readonly name: string;
  readonly kind: 'gauge' | 'counter';
  readonly help: string;
  readonly samples: readonly Sample[];
}

export class BackendMetrics {
  private readonly loop: IntervalHistogram;
  private readonly failures = new Map<string, number>();
  private nodes: readonly NodeRuntime[] = [];

  constructor() {
    this.loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    this.loop.enable();
  }

  useNodes(nodes: readonly NodeRuntime[]): void {
    this.nodes = nodes;
  }

  /** A gateway reported a conversation provider failure. */
  providerFailed(provider: string): void {
    this.failures.set(provider, (this.failures.get(provider) ?? 0) + 1);
  }

  render(): string {
    const lag = (ns: number): number => (Number.isFinite(ns) ? Math.max(0, ns / 1e9 - LOOP_RESOLUTION_MS / 1000) : 0);
    const families: Family[] = [
      {
        name: 'prosaas_node_owned',
        kind: 'gauge',
        help: 'Whether this replica holds the Asterisk node\'s lease (1) or not (0).',
        samples: this.nodes.map((node) => ({ labels: { node: node.name }, value: node.role === 'owner' ? 1 : 0 })),
      },
      {
        name: 'prosaas_node_ari_registered',
        kind: 'gauge',
        help: 'Whether this replica\'s ARI socket for the node is connected with the app registered.',
        samples: this.nodes.map((node) => ({ labels: { node: node.name }, value: node.role === 'owner' && node.ariStatus.registered ? 1 : 0 })),
      },
      {
        name: 'prosaas_active_calls',
        kind: 'gauge',
        help: 'Calls this replica holds, per Asterisk node.',
        samples: this.nodes.map((node) => ({ labels: { node: node.name }, value: node.activeCalls })),
      },
      {
        name: 'prosaas_provider_failures_total',
        kind: 'counter',
        help: 'Conversation provider failures the media gateways reported, per provider.',
        samples: ['stt', 'llm', 'tts'].map((provider) => ({ labels: { provider }, value: this.failures.get(provider) ?? 0 })),
      },
      { name: 'nodejs_eventloop_lag_p99_seconds', kind: 'gauge', help: 'Event loop delay, 99th percentile since the last scrape.', samples: [{ value: lag(this.loop.percentile(99)) }] },
      { name: 'nodejs_eventloop_lag_max_seconds', kind: 'gauge', help: 'Longest event loop delay since the last scrape.', samples: [{ value: lag(this.loop.max) }] },
    ];
    this.loop.reset();
    const lines: string[] = [];
    for (const family of families) {
      lines.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.kind}`);
      for (const sample of family.samples) lines.push(`${family.name}${formatLabels(sample.labels)} ${sample.value}`);
    }
    return `${lines.join('\n')}\n`;
  }

  close(): void {
    this.loop.disable();
  }
}

/** GET /metrics, with the bearer token the gateway's /metrics asks for too (MEDIA_GATEWAY_TOKEN). */
export function registerMetricsRoute(app: FastifyInstance, metrics: BackendMetrics, token: string): void {
  const authorized = bearerTokenChecker(token);
  app.get('/metrics', async (request, reply) => {
    if (!authorized(request.headers.authorization)) throw new ApiError('unauthorized');
    void reply.header('content-type', PROMETHEUS_CONTENT_TYPE);
    return metrics.render();
  });
}

function formatLabels(labels: Readonly<Record<string, string>> | undefined): string {
  if (!labels) return '';
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return `{${pairs.join(',')}}`;
}

/** The conversation store, counting the provider failures it stored (GET /metrics). */
export function countingFailures(store: ConversationStore, metrics: BackendMetrics): ConversationStore {
  return {
    saveTurn: (callId, turn) => store.saveTurn(callId, turn),
    saveFailure: async (callId, failure) => {
      await store.saveFailure(callId, failure);
      metrics.providerFailed(failure.provider);
    },
    saveMessage: (callId, message) => store.saveMessage(callId, message),
  };
}
