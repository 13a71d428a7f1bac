// /channels operations, with the checks and messages of Asterisk 22's
// res/ari/resource_channels.c and the recorded bad-requests trace.

import { EventBatch } from './ari-events.js';
import { HANGUP_REASON_CAUSES } from './ari-format.js';
import { channelJson, type ChannelRecord, type DialplanLocation } from './call-model.js';
import { ariError, noContent, type RestReply, type RestRequest, type RestRoute } from './rest-types.js';
import { ASTERISK_FORMAT_NAMES } from './rtp-formats.js';
import type { RtpMedia } from './rtp-media.js';
import type { Telephony } from './telephony.js';
import type { WebSocketMedia } from './websocket-media.js';

export interface ChannelRouteDeps {
  telephony: Telephony;
  media: RtpMedia;
  websocketMedia: WebSocketMedia;
  /** Deliver the events of `continue` (ChannelLeftBridge, StasisEnd) before its 204 instead of after. */
  continueEventsBeforeReply: boolean;
}

const CHANNEL_NOT_FOUND = ariError(404, 'Channel not found', 'Not Found');
const NOT_IN_STASIS = ariError(409, 'Channel not in Stasis application', 'Conflict');
const INVALID_STATE = ariError(412, 'Channel in invalid state', 'Precondition Failed');
const INTERNAL_ERROR = ariError(500, 'An internal error prevented this request from being handled', 'Internal Server Error');
const UNSUPPORTED_TRANSPORT = ariError(501, 'The encapsulation and/or transport is not supported', 'Not Implemented');

export function channelRoutes(deps: ChannelRouteDeps): Map<string, RestRoute> {
  const { telephony, media, websocketMedia, continueEventsBeforeReply } = deps;
  const channelOf = (request: RestRequest): ChannelRecord | undefined =>
    telephony.liveChannel(request.pathParams['channelId'] ?? '');

  /** find_control() then channel_state_invalid(): 404, 409 (not in Stasis), 412 (Down/Rsrvd/Ringing). */
  const controlCheck = (request: RestRequest): RestReply | null => {
    const channel = channelOf(request);
    if (!channel) return CHANNEL_NOT_FOUND;
    if (channel.stasisApp === null) return NOT_IN_STASIS;
    if (channel.state === 'Down' || channel.state === 'Rsrvd' || channel.state === 'Ringing') return INVALID_STATE;
    return null;
  };

  return new Map<string, RestRoute>([
    ['channels.list', { run: () => ({ status: 200, body: telephony.liveChannels().map(channelJson) }) }],
    [
      'channels.get',
      {
        check: (request) => (channelOf(request) ? null : CHANNEL_NOT_FOUND),
        run: (request) => ({ status: 200, body: channelJson(channelOf(request)!) }),
      },
    ],
    [
      'channels.hangup',
      {
        check: (request) => {
          if (!channelOf(request)) return CHANNEL_NOT_FOUND;
          return hangupCause(request).error;
        },
        run: (request) => {
          const { cause, label } = hangupCause(request);
          const events = new EventBatch();
          telephony.hangupByApp(channelOf(request)!, cause, label, events);
          return noContent(events);
        },
      },
    ],
    [
      'channels.answer',
      {
        check: controlCheck,
        run: (request) => {
          const events = new EventBatch();
          telephony.answer(channelOf(request)!, events);
          return noContent(events, true);
        },
      },
    ],
    [
      'channels.continueInDialplan',
      {
        check: (request) => controlCheck(request) ?? continueLocation(request, channelOf(request)!).error,
        run: (request) => {
          const channel = channelOf(request)!;
          const events = new EventBatch();
          telephony.continueInDialplan(channel, continueLocation(request, channel).location, events);
          return noContent(events, continueEventsBeforeReply);
        },
      },
    ],
    [
      'channels.getChannelVar',
      {
        check: (request) => {
          const variable = request.params.get('variable') ?? '';
          if (variable === '') return ariError(400, 'Variable name is required', 'Bad Request');
          const channel = channelOf(request);
          if (!channel) return ariError(404, 'Provided channel was not found', 'Channel Not Found');
          if (variable.endsWith(')')) {
            request.reportUnsupported(`dialplan function ${variable} is not evaluated by the fake`);
            return ariError(500, 'Unable to read provided function', 'Error With Function');
          }
          if (!channel.vars.has(variable)) return ariError(404, 'Provided variable was not found', 'Variable Not Found');
          return null;
        },
        run: (request) => ({ status: 200, body: { value: channelOf(request)!.vars.get(request.params.get('variable')!) } }),
      },
    ],
    [
      'channels.setChannelVar',
      {
        check: (request) => {
          if ((request.params.get('variable') ?? '').trim() === '') return ariError(400, 'Variable name is required', 'Bad Request');
          const channel = channelOf(request);
          if (!channel) return CHANNEL_NOT_FOUND;
          return channel.stasisApp === null ? NOT_IN_STASIS : null;
        },
        run: (request) => {
          const events = new EventBatch();
          const name = request.params.get('variable')!.trim();
          telephony.setVariable(channelOf(request)!, name, request.params.get('value') ?? '', events);
          return noContent(events, true);
        },
      },
    ],
    [
      'channels.externalMedia',
      {
        check: (request) => externalMediaCheck(request, telephony),
        run: async (request) => {
          const format = request.params.get('format')!;
          const channelId = request.params.get('channelId') || telephony.nextChannelId();
          const common = {
            channelId,
            app: request.params.get('app')!,
            format,
            data: request.params.get('data') ?? '',
            variables: request.variables,
          };
          if ((request.params.get('transport') || 'udp') === 'websocket') {
            const opened = websocketMedia.open(channelId, '', format);
            if (!opened) {
              request.reportUnsupported(`websocket externalMedia in format ${format} is not implemented by the fake`);
              return INTERNAL_ERROR;
            }
            const { body, events } = telephony.createExternalMedia({
              ...common,
              externalHost: '',
              media: { transport: 'websocket', connectionId: opened.connectionId, optimalFrameSize: opened.optimalFrameSize },
            });
            websocketMedia.rename(channelId, body.name);
            return { status: 200, body, events };
          }
          const host = parseHostPort(request.params.get('external_host') ?? '')!;
          const generation = telephony.generation;
          let local: { address: string; port: number };
          try {
            local = await media.open(channelId, host, format);
          } catch {
            return INTERNAL_ERROR;
          }
          if (telephony.generation !== generation) {
            media.close(channelId);
            return INTERNAL_ERROR;
          }
          const { body, events } = telephony.createExternalMedia({
            ...common,
            externalHost: request.params.get('external_host')!,
            media: { transport: 'udp', localAddress: local.address, localPort: local.port },
          });
          return { status: 200, body, events };
        },
      },
    ],
  ]);
}

function hangupCause(request: RestRequest): { cause: number; label: string; error: RestReply | null } {
  const reason = request.params.get('reason') ?? '';
  const reasonCode = request.params.get('reason_code') ?? '';
  if (reason !== '' && reasonCode !== '') {
    return { cause: 0, label: '', error: ariError(400, "The reason and reason_code can't both be specified", 'Bad Request') };
  }
  if (reasonCode !== '') {
    // sscanf("%30d"): leading whitespace and a numeric prefix are enough.
    const match = /^\s*([+-]?\d+)/.exec(reasonCode);
    if (!match) return { cause: 0, label: '', error: ariError(400, 'Invalid reason for hangup reason code provided', 'Invalid Reason Code') };
    return { cause: Number(match[1]), label: `reason_code=${reasonCode}`, error: null };
  }
  if (reason !== '') {
    const cause = HANGUP_REASON_CAUSES[reason];
    if (cause === undefined) return { cause: 0, label: '', error: ariError(400, 'Invalid reason for hangup reason provided', 'Invalid Reason') };
    return { cause, label: reason, error: null };
  }
  return { cause: HANGUP_REASON_CAUSES['normal']!, label: 'normal', error: null };
}

/**
 * Where `continue` sends the channel, as ast_ari_channels_continue_in_dialplan() decides: no
 * context keeps the current one (and its extension unless one is given), a context without an
 * extension means `s`; a numeric label, else `priority`, else the next priority when nothing was
 * given, else 1. Named labels need the dialplan, which the fake does not have.
 */
function continueLocation(request: RestRequest, channel: ChannelRecord): { location: DialplanLocation; error: RestReply | null } {
  const param = (name: string): string => request.params.get(name) ?? '';
  const current = channel.dialplan;
  const context = param('context') || current.context;
  const exten = param('extension') || (param('context') ? 's' : current.exten);
  let priority: number;
  const label = param('label');
  if (label !== '') {
    // sscanf("%30d"): a numeric prefix is a priority.
    const numeric = /^\s*([+-]?\d+)/.exec(label);
    if (!numeric) {
      request.reportUnsupported(`continue to the named label ${label} needs a dialplan, which the fake does not have`);
      return { location: { context, exten, priority: 0 }, error: ariError(404, 'Requested label can not be found', 'Not Found') };
    }
    priority = Number(numeric[1]);
    if (priority === 0) {
      return { location: { context, exten, priority }, error: ariError(400, 'Requested priority is illegal', 'Bad Request') };
    }
  } else if (param('priority') !== '') {
    priority = Number(param('priority'));
  } else if (param('context') === '' && param('extension') === '') {
    priority = current.priority + 1;
  } else {
    priority = 1;
  }
  return { location: { context, exten, priority }, error: null };
}

/**
 * Checks in the order ast_ari_channels_external_media() of Asterisk 22.10.1 makes them (the
 * recorded bad requests follow it). The fake carries RTP over UDP and websocket server
 * connections; audiosocket and websocket client connections are reported as unsupported.
 */
function externalMediaCheck(request: RestRequest, telephony: Telephony): RestReply | null {
  const param = (name: string): string => request.params.get(name) ?? '';
  if (param('app') === '') return ariError(400, 'app cannot be empty', 'Bad Request');
  const transport = param('transport') || 'udp';
  const encapsulation = param('encapsulation') || 'rtp';
  const connectionType = param('connection_type') || 'client';
  if (transport === 'websocket' && encapsulation !== 'none') {
    return ariError(400, "encapsulation must be 'none' for websocket transport", 'Bad Request');
  }
  if (encapsulation === 'rtp' && transport !== 'udp') return ariError(400, "transport must be 'udp' for rtp encapsulation", 'Bad Request');
  if (encapsulation === 'audiosocket' && transport !== 'tcp') {
    return ariError(400, "transport must be 'tcp' for audiosocket encapsulation", 'Bad Request');
  }
  if (transport !== 'websocket' && connectionType === 'server') {
    return ariError(400, "'server' connection_type can only be used with the websocket transport", 'Bad Request');
  }
  if (param('external_host') === '' && connectionType === 'client') {
    return ariError(400, 'external_host is required for all but websocket server connections', 'Bad Request');
  }
  if (transport === 'websocket') {
    if (connectionType === 'client') {
      request.reportUnsupported('externalMedia websocket client connections (websocket_client.conf) are not implemented by the fake');
      return ariError(400, 'external_host must be a valid websocket_client connection id.', 'Bad Request');
    }
  } else if (!parseHostPort(param('external_host'))) {
    return ariError(400, 'external_host must be <host>:<port> for all transports other than websocket', 'Bad Request');
  }
  if (param('format') === '') return ariError(400, 'format cannot be empty', 'Bad Request');
  const rtpOverUdp = encapsulation === 'rtp' && transport === 'udp';
  const websocketServer = encapsulation === 'none' && transport === 'websocket';
  if (!rtpOverUdp && !websocketServer) {
    if (encapsulation === 'audiosocket' && transport === 'tcp') {
      request.reportUnsupported('externalMedia encapsulation=audiosocket transport=tcp is not implemented by the fake');
    }
    return UNSUPPORTED_TRANSPORT;
  }
  const channelId = param('channelId');
  if (channelId !== '' && telephony.liveChannel(channelId)) {
    return ariError(409, 'Channel with given unique ID already exists', 'Conflict');
  }
  if (!ASTERISK_FORMAT_NAMES.has(param('format'))) return INTERNAL_ERROR;
  return null;
}

/** `<host>:<port>` with a decimal port 1-65535 (IPv6 in brackets is not supported by the fake). */
export function parseHostPort(value: string): { host: string; port: number } | null {
  const match = /^([^:\s[\]]+):(\d{1,5})$/.exec(value);
  if (!match) return null;
  const port = Number(match[2]);
  return port >= 1 && port <= 65535 ? { host: match[1]!, port } : null;
}
