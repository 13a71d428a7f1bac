// Asterisk's ARI REST interface in memory, for unit tests of what drives a call
// (CallSession). It replaces AriRest's one network method, request(), so every
// typed method of the real client (answer, hangup's 404 -> false, ...) runs
// unchanged. Each request is matched and checked against Asterisk 22's api-docs
// like the ARI fake does; a request the docs refuse is recorded in `invalid`
// and answered 400, as Asterisk would. Channels and bridges are kept as far as
// a call's setup and teardown need them. Any operation (api-docs key, e.g.
// 'channels.answer') can be held or failed through `control`.
import { pino } from 'pino';
import { AriError, kindForStatus } from '../../../src/ari/errors.js';
import { AriRest, type AriRequestOptions, type AriQueryValue, type HttpMethod } from '../../../src/ari/rest.js';
import type { Bridge, Channel, StasisStartEvent } from '../../../src/ari/types.js';
import { loadApiDocs } from '../../fakes/ari/api-docs.js';
import { matchRoute, validateParams } from '../../fakes/ari/request-validation.js';
import { StepControl } from './step-control.js';

export interface AriRequestRecord {
  /** api-docs operation key, e.g. `channels.externalMedia`. */
  operation: string;
  method: HttpMethod;
  path: string;
  query: Record<string, string>;
}

interface ChannelState {
  json: Channel;
  live: boolean;
  /** `reason` of the DELETE that hung it up. */
  hangupReason: string | null;
  /** Where POST .../continue sent it. */
  continuedTo: { context: string; extension: string; priority: string } | null;
  vars: Map<string, string>;
}

export class InMemoryAsterisk extends AriRest {
  readonly control = new StepControl<string>();
  readonly requests: AriRequestRecord[] = [];
  /** Requests the api-docs refuse (answered 400). */
  readonly invalid: string[] = [];
  /** Asterisk's end of each externalMedia channel's RTP. */
  readonly rtpAddress = { host: '127.0.0.1', port: 40_000 };
  /** The recorded externalMedia answer carries the channel's variables; false makes the client ask for them. */
  channelVarsInAnswer = true;
  /** Told each externalMedia channel's id once its 200 answer is given (its StasisStart follows). */
  afterExternalMedia: ((channelId: string) => void) | null = null;
  readonly #channels = new Map<string, ChannelState>();
  readonly #bridges = new Map<string, Bridge & { destroyed: boolean }>();

  constructor() {
    super({ httpBase: 'http://127.0.0.1:9', username: 'asterisk', password: 'in-memory', requestTimeoutMs: 1_000, logger: pino({ level: 'silent' }) });
  }

  /** A caller's channel as its StasisStart describes it. */
  addCaller(event: StasisStartEvent): void {
    this.#channels.set(event.channel.id, { json: { ...event.channel }, live: true, hangupReason: null, continuedTo: null, vars: new Map() });
  }

  /** The channel is gone on Asterisk's side (the caller hung up): requests on it get 404. */
  channelGone(channelId: string): void {
    const channel = this.#channels.get(channelId);
    if (channel) channel.live = false;
  }

  channel(channelId: string): Readonly<ChannelState> | undefined {
    return this.#channels.get(channelId);
  }

  bridge(bridgeId: string): Readonly<Bridge & { destroyed: boolean }> | undefined {
    return this.#bridges.get(bridgeId);
  }

  /** The operations requested so far, in order. */
  get operations(): string[] {
    return this.requests.map((request) => request.operation);
  }

  override async request<T>(method: HttpMethod, path: string, options: AriRequestOptions = {}): Promise<T> {
    const query = queryStrings(options.query);
    const match = matchRoute(loadApiDocs().routes, method, path);
    if (match.kind !== 'found') {
      this.invalid.push(`${method} ${path}: no such ARI operation`);
      throw fail(method, path, 404, 'Resource not found');
    }
    const problems = validateParams(match.operation, new Map(Object.entries(query)), null);
    if (problems.length > 0) {
      this.invalid.push(`${method} ${path}: ${problems.join('; ')}`);
      throw fail(method, path, 400, problems.join('; '));
    }
    const operation = match.operation.key;
    this.requests.push({ operation, method, path, query });
    const result = await this.control.run(operation, () => this.#answer(operation, match.pathParams, query, method, path) as T);
    if (operation === 'channels.externalMedia') this.afterExternalMedia?.((result as Channel).id);
    return result;
  }

  #answer(operation: string, params: Record<string, string>, query: Record<string, string>, method: HttpMethod, path: string): unknown {
    const channel = (id: string | undefined): ChannelState => {
      const found = id === undefined ? undefined : this.#channels.get(decodeURIComponent(id));
      if (!found || !found.live) throw fail(method, path, 404, 'Channel not found');
      return found;
    };
    const bridge = (id: string | undefined): Bridge & { destroyed: boolean } => {
      const found = id === undefined ? undefined : this.#bridges.get(decodeURIComponent(id));
      if (!found || found.destroyed) throw fail(method, path, 404, 'Bridge not found');
      return found;
    };
    switch (operation) {
      case 'channels.get':
        return channel(params.channelId).json;
      case 'channels.answer':
        channel(params.channelId).json.state = 'Up';
        return undefined;
      case 'channels.hangup': {
        const target = channel(params.channelId);
        target.live = false;
        target.hangupReason = query.reason ?? 'normal';
        return undefined;
      }
      case 'channels.setChannelVar':
        channel(params.channelId).vars.set(query.variable!, query.value ?? '');
        return undefined;
      case 'channels.getChannelVar': {
        const value = channel(params.channelId).vars.get(query.variable!);
        if (value === undefined) throw fail(method, path, 404, 'Provided variable was not found');
        return { value };
      }
      case 'channels.continueInDialplan':
        channel(params.channelId).continuedTo = { context: query.context ?? '', extension: query.extension ?? '', priority: query.priority ?? '' };
        return undefined;
      case 'channels.externalMedia':
        return this.#externalMedia(query);
      case 'bridges.create': {
        const id = query.bridgeId ?? `bridge-${this.#bridges.size}`;
        const created = { ...bridgeJson(id, query.name ?? ''), destroyed: false };
        this.#bridges.set(id, created);
        return bridgeJson(id, created.name);
      }
      case 'bridges.addChannel': {
        const target = bridge(params.bridgeId);
        for (const id of (query.channel ?? '').split(',')) {
          if (!this.#channels.get(id)?.live) throw fail(method, path, 400, 'Channel not found');
          target.channels.push(id);
        }
        return undefined;
      }
      case 'bridges.destroy':
        bridge(params.bridgeId).destroyed = true;
        return undefined;
      default:
        throw new Error(`the in-memory Asterisk does not implement ${operation}`);
    }
  }

  #externalMedia(query: Record<string, string>): Channel {
    const id = query.channelId ?? `external-${this.#channels.size}`;
    const vars = new Map([
      ['UNICASTRTP_LOCAL_ADDRESS', this.rtpAddress.host],
      ['UNICASTRTP_LOCAL_PORT', String(this.rtpAddress.port)],
    ]);
    const json: Channel = {
      id,
      name: `UnicastRTP/${query.external_host}-0x7fd510008af0`,
      state: 'Down',
      protocol_id: '',
      caller: { name: '', number: '' },
      connected: { name: '', number: '' },
      accountcode: '',
      dialplan: { context: 'default', exten: 's', priority: 1, app_name: '', app_data: '' },
      creationtime: '2026-11-21T04:15:34.012+0000',
      language: 'en',
    };
    this.#channels.set(id, { json, live: true, hangupReason: null, continuedTo: null, vars });
    return this.channelVarsInAnswer ? { ...json, channelvars: Object.fromEntries(vars) } : json;
  }
}

/** The error AriRest throws for an HTTP error status with Asterisk's `{ message }` body. */
export function fail(method: string, path: string, status: number, ariMessage: string): AriError {
  return new AriError({ kind: kindForStatus(status), method, path, status, ariMessage });
}

function queryStrings(query: Record<string, AriQueryValue> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(',') : String(value);
  }
  return out;
}

function bridgeJson(id: string, name: string): Bridge {
  return {
    id,
    technology: 'simple_bridge',
    bridge_type: 'mixing',
    bridge_class: 'stasis',
    creator: 'Stasis',
    name,
    channels: [],
    creationtime: '2026-11-21T04:15:33.900+0000',
    video_mode: 'none',
  };
}
