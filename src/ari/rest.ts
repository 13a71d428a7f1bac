// Typed ARI REST client over Node's global fetch (keep-alive by default).
// Every parameter goes in the query string, as the recorded Asterisk 22 traffic does; request
// bodies are never sent. Credentials travel only in the Basic Authorization header.

import type { Logger } from 'pino';
import { AriError, kindForStatus, type AriErrorInit } from './errors.js';
import { describeNetworkFailure } from './network-failure.js';
import type {
  Application,
  AriErrorBody,
  AsteriskConfigInfo,
  AsteriskPing,
  Bridge,
  Channel,
  ExternalMediaFormat,
  HangupReason,
  Variable,
} from './types.js';

export type AriQueryValue = string | number | boolean | string[] | undefined;

export interface AriRequestOptions {
  query?: Record<string, AriQueryValue>;
  signal?: AbortSignal;
  /** Overrides the client's requestTimeoutMs for this request. */
  timeoutMs?: number;
}

export interface AriRestOptions {
  /** From normalizeAriUrl: e.g. `http://asterisk:8088`, without `/ari`. */
  httpBase: string;
  username: string;
  password: string;
  requestTimeoutMs: number;
  logger: Logger;
}

export interface ContinueInDialplanOptions {
  context?: string;
  extension?: string;
  priority?: number;
}

export type ExternalMediaParams = {
  app: string;
  format: ExternalMediaFormat;
  channelId?: string;
} & (
  | {
      transport: 'rtp';
      /** `<host>:<port>` where Asterisk sends RTP (and expects RTP from). */
      externalHost: string;
    }
  | {
      /** chan_websocket server connection: the app connects to /media/<MEDIA_WEBSOCKET_CONNECTION_ID>. */
      transport: 'websocket';
    }
);

export interface OriginateParams {
  /** Dial string, e.g. `PJSIP/100` or `PJSIP/+15551234567@twilio-out`. */
  endpoint: string;
  /** The answered channel runs Stasis(app, appArgs); the app sees its dialing from the start. */
  app: string;
  appArgs: string[];
  /** Caller id presented to the callee: `"Name" <number>` or a number. */
  callerId?: string;
  /** Seconds to ring before giving up (Asterisk's default is 30). */
  timeoutS: number;
  channelId: string;
}

export interface CreateBridgeParams {
  type: 'mixing';
  bridgeId?: string;
  name?: string;
}

/** Longest Asterisk error message kept on an AriError (bodies are short JSON in practice). */
const MAX_ARI_MESSAGE_CHARS = 300;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export class AriRest {
  private readonly restBase: string;
  private readonly authorization: string;
  private readonly secrets: readonly string[];
  private readonly requestTimeoutMs: number;
  private readonly logger: Logger;

  constructor(options: AriRestOptions) {
    this.restBase = `${options.httpBase.replace(/\/+$/, '')}/ari`;
    const token = Buffer.from(`${options.username}:${options.password}`, 'utf8').toString('base64');
    this.authorization = `Basic ${token}`;
    this.secrets = [options.password, token].filter((secret) => secret.length > 0);
    this.requestTimeoutMs = options.requestTimeoutMs;
    this.logger = options.logger.child({ component: 'ari-rest' });
  }

  async request<T>(method: HttpMethod, path: string, options: AriRequestOptions = {}): Promise<T> {
    const url = `${this.restBase}${path}${buildQueryString(options.query)}`;
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    const fail = (init: Omit<AriErrorInit, 'method' | 'path'>): AriError =>
      new AriError({ ...init, method, path });

    if (options.signal?.aborted) throw fail({ kind: 'aborted', detail: 'aborted' });

    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onCallerAbort = (): void => controller.abort();
    options.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const startedAt = performance.now();

    try {
      let response: Response;
      let text: string;
      try {
        response = await fetch(url, {
          method,
          headers: { authorization: this.authorization, accept: 'application/json' },
          signal: controller.signal,
        });
        text = await response.text();
      } catch (error) {
        if (timedOut) throw fail({ kind: 'timeout', detail: `timed out after ${timeoutMs} ms` });
        if (controller.signal.aborted) throw fail({ kind: 'aborted', detail: 'aborted' });
        const failure = describeNetworkFailure(error);
        const description = this.redact(failure.description);
        const cause = Object.assign(new Error(description), failure.code ? { code: failure.code } : {});
        throw fail({ kind: 'unreachable', detail: description, cause });
      }

      const durationMs = Math.round(performance.now() - startedAt);
      this.logger.debug({ method, path, status: response.status, durationMs }, 'ARI request');

      if (!response.ok) {
        const ariMessage = this.extractAriMessage(text);
        throw fail({
          kind: kindForStatus(response.status),
          status: response.status,
          ...(ariMessage !== undefined ? { ariMessage } : { detail: response.statusText }),
        });
      }
      if (response.status === 204 || text.length === 0) return undefined as T;
      try {
        return JSON.parse(text) as T;
      } catch {
        throw fail({ kind: 'bad_response', status: response.status, detail: 'response is not JSON' });
      }
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  ping(): Promise<AsteriskPing> {
    return this.request<AsteriskPing>('GET', '/asterisk/ping');
  }

  /** asterisk.conf's systemname ("" when unset). */
  async systemName(signal?: AbortSignal): Promise<string> {
    const info = await this.request<Partial<AsteriskConfigInfo> | undefined>('GET', '/asterisk/info', { query: { only: 'config' }, signal });
    const name = info?.config?.name;
    if (typeof name !== 'string') throw new AriError({ kind: 'bad_response', method: 'GET', path: '/asterisk/info', detail: 'no config.name in the answer' });
    return name;
  }

  /** The registered Stasis application, or null while no events socket has registered it. */
  getApplication(app: string): Promise<Application | null> {
    return nullIfNotFound(this.request<Application>('GET', `/applications/${segment(app)}`));
  }

  listChannels(): Promise<Channel[]> {
    return this.request<Channel[]>('GET', '/channels');
  }

  getChannel(channelId: string): Promise<Channel | null> {
    return nullIfNotFound(this.request<Channel>('GET', `/channels/${segment(channelId)}`));
  }

  async answer(channelId: string): Promise<void> {
    await this.request<void>('POST', `/channels/${segment(channelId)}/answer`);
  }

  /** Resolves false when the channel is already gone (404): hanging up a gone channel is not an error. */
  async hangup(channelId: string, reason?: HangupReason): Promise<boolean> {
    const result = await nullIfNotFound(
      this.request<void>('DELETE', `/channels/${segment(channelId)}`, { query: { reason } }).then(() => true),
    );
    return result ?? false;
  }

  async continueInDialplan(channelId: string, options: ContinueInDialplanOptions = {}): Promise<void> {
    await this.request<void>('POST', `/channels/${segment(channelId)}/continue`, {
      query: { context: options.context, extension: options.extension, priority: options.priority },
    });
  }

  /** The variable's value, or null when the channel does not exist (404). */
  async getChannelVar(channelId: string, variable: string): Promise<string | null> {
    const result = await nullIfNotFound(
      this.request<Variable>('GET', `/channels/${segment(channelId)}/variable`, { query: { variable } }),
    );
    return result?.value ?? null;
  }

  /**
   * An externalMedia channel: RTP over UDP (Asterisk's defaults, transport=udp and
   * encapsulation=rtp), or a chan_websocket server connection (transport=websocket,
   * encapsulation=none, connection_type=server; no external_host).
   */
  externalMedia(params: ExternalMediaParams): Promise<Channel> {
    const transport =
      params.transport === 'rtp'
        ? { external_host: params.externalHost }
        : { transport: 'websocket', encapsulation: 'none', connection_type: 'server' };
    return this.request<Channel>('POST', '/channels/externalMedia', {
      query: { app: params.app, ...transport, format: params.format, channelId: params.channelId },
    });
  }

  /** Dials `endpoint`; the answered channel enters the app with `appArgs`. Resolves with the new channel (Down). */
  originate(params: OriginateParams): Promise<Channel> {
    return this.request<Channel>('POST', `/channels/${segment(params.channelId)}`, {
      query: {
        endpoint: params.endpoint,
        app: params.app,
        appArgs: params.appArgs.join(','),
        callerId: params.callerId,
        timeout: params.timeoutS,
      },
    });
  }

  async setChannelVar(channelId: string, variable: string, value: string): Promise<void> {
    await this.request<void>('POST', `/channels/${segment(channelId)}/variable`, { query: { variable, value } });
  }

  createBridge(params: CreateBridgeParams): Promise<Bridge> {
    return this.request<Bridge>('POST', '/bridges', {
      query: { type: params.type, bridgeId: params.bridgeId, name: params.name },
    });
  }

  async addChannels(bridgeId: string, channelIds: string[]): Promise<void> {
    await this.request<void>('POST', `/bridges/${segment(bridgeId)}/addChannel`, {
      query: { channel: channelIds },
    });
  }

  async removeChannels(bridgeId: string, channelIds: string[]): Promise<void> {
    await this.request<void>('POST', `/bridges/${segment(bridgeId)}/removeChannel`, { query: { channel: channelIds } });
  }

  /** Music on hold for whoever is in the bridge (Asterisk's musiconhold class, `default` unless given). */
  async startBridgeMoh(bridgeId: string, mohClass?: string): Promise<void> {
    await this.request<void>('POST', `/bridges/${segment(bridgeId)}/moh`, { query: { mohClass } });
  }

  /** Resolves false when the bridge plays no music (409) or is gone (404). */
  async stopBridgeMoh(bridgeId: string): Promise<boolean> {
    try {
      await this.request<void>('DELETE', `/bridges/${segment(bridgeId)}/moh`);
      return true;
    } catch (error) {
      if (error instanceof AriError && (error.kind === 'not_found' || error.status === 409)) return false;
      throw error;
    }
  }

  /** Resolves false when the bridge is already gone (404). */
  async destroyBridge(bridgeId: string): Promise<boolean> {
    const result = await nullIfNotFound(
      this.request<void>('DELETE', `/bridges/${segment(bridgeId)}`).then(() => true),
    );
    return result ?? false;
  }

  getBridge(bridgeId: string): Promise<Bridge | null> {
    return nullIfNotFound(this.request<Bridge>('GET', `/bridges/${segment(bridgeId)}`));
  }

  private extractAriMessage(text: string): string | undefined {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return undefined;
    }
    if (typeof body !== 'object' || body === null) return undefined;
    const message = (body as Partial<AriErrorBody>).message;
    if (typeof message !== 'string') return undefined;
    return this.redact(message.slice(0, MAX_ARI_MESSAGE_CHARS));
  }

  /** Defence in depth for text that comes from the network: never let a credential through. */
  private redact(text: string): string {
    return this.secrets.reduce((result, secret) => result.split(secret).join('***'), text);
  }
}

/**
 * `?a=1&b=x%2Cy` with undefined values omitted and arrays joined with commas (ARI's allowMultiple).
 * Percent-encoding (not `+` for spaces) because Asterisk's legacy URI decoding is ambiguous about `+`.
 */
export function buildQueryString(query: Record<string, AriQueryValue> | undefined): string {
  if (!query) return '';
  const pairs: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(',') : String(value);
    pairs.push(`${encodeURIComponent(name)}=${encodeURIComponent(text)}`);
  }
  return pairs.length === 0 ? '' : `?${pairs.join('&')}`;
}

function segment(value: string): string {
  return encodeURIComponent(value);
}

async function nullIfNotFound<T>(pending: Promise<T>): Promise<T | null> {
  try {
    return await pending;
  } catch (error) {
    if (error instanceof AriError && error.kind === 'not_found') return null;
    throw error;
  }
}
