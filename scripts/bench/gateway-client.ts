// The bench's client of the gateway's control API (media/contract/sessions.ts).
import { randomUUID } from 'node:crypto';
import {
  CreateSessionRequest,
  CreateSessionResponse,
  GatewayStats,
  MEDIA_AUTH_HEADER,
  bearer,
  sessionPaths,
  type RtpEndpoint,
} from '../../media/contract/sessions.js';

/** Concurrent control requests while setting up a trial's calls. */
const SETUP_CONCURRENCY = 32;
const REQUEST_TIMEOUT_MS = 30_000;

export class GatewayClient {
  readonly #baseUrl: string;
  readonly #token: string;

  constructor(baseUrl: string, token: string) {
    this.#baseUrl = baseUrl;
    this.#token = token;
  }

  async createSession(request: CreateSessionRequest): Promise<CreateSessionResponse> {
    return CreateSessionResponse.parse(await this.#request('POST', sessionPaths.create, request));
  }

  async setRemote(sessionId: string, remote: RtpEndpoint): Promise<void> {
    await this.#request('PUT', sessionPaths.remote(sessionId), remote);
  }

  async stats(): Promise<GatewayStats> {
    return GatewayStats.parse(await this.#request('GET', sessionPaths.gatewayStats));
  }

  async #request(method: string, path: string, body?: unknown): Promise<unknown> {
    try {
      return await this.#send(method, path, body);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(message.startsWith(method) ? message : `${method} ${path}: ${message}`, { cause: error });
    }
  }

  async #send(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.#baseUrl}${path}`, {
      method,
      headers: {
        [MEDIA_AUTH_HEADER]: bearer(this.#token),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as unknown;
  }
}

/** A valid session request for bench call `index` (checked against the contract). */
export function benchSessionRequest(index: number, businessId: string): CreateSessionRequest {
  return CreateSessionRequest.parse({
    callId: randomUUID(),
    businessId,
    channelId: `bench-${index}`,
    format: 'ulaw',
    caller: { from: '+15550100000', to: '+15550199999' },
    agent: {
      businessName: 'Bench Business',
      greeting: 'Hello, this is the capacity bench.',
      systemPrompt: 'You are a test agent.',
      voice: 'alloy',
      language: 'en',
      timezone: 'UTC',
      transferTarget: null,
    },
  });
}

/**
 * One session per generator stream, each pointed at its stream's port.
 * Resolves to the gateway's RTP endpoint (where the generator must send).
 */
export async function createBenchCalls(client: GatewayClient, streamPorts: readonly number[], host: string): Promise<RtpEndpoint> {
  const businessId = randomUUID();
  let gatewayRtp: RtpEndpoint | null = null;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < streamPorts.length) {
      const index = next++;
      const created = await client.createSession(benchSessionRequest(index, businessId));
      gatewayRtp ??= created.rtp;
      await client.setRemote(created.sessionId, { host, port: streamPorts[index]! });
    }
  };
  await Promise.all(Array.from({ length: Math.min(SETUP_CONCURRENCY, streamPorts.length) }, worker));
  if (gatewayRtp === null) throw new Error('no session was created');
  return gatewayRtp;
}
