// /bridges operations, with the checks and messages of Asterisk 22's
// res/ari/resource_bridges.c and the recorded bad-requests trace.

import { randomUUID } from 'node:crypto';
import { EventBatch } from './ari-events.js';
import { bridgeJson, type BridgeRecord, type ChannelRecord } from './call-model.js';
import { ariError, noContent, type RestReply, type RestRequest, type RestRoute } from './rest-types.js';
import type { Telephony } from './telephony.js';

export interface BridgeRouteDeps {
  telephony: Telephony;
  /** Apps that get a newly created bridge's events (the apps registered at that moment). */
  registeredApps(): string[];
}

/** Bridge type flags `stasis_app_bridge_create()` accepts (comma separated). */
const BRIDGE_TYPE_FLAGS = new Set(['mixing', 'holding', 'dtmf_events', 'proxy_media', 'video_sfu', 'video_single', 'sdp_label']);

export function bridgeRoutes(deps: BridgeRouteDeps): Map<string, RestRoute> {
  const { telephony } = deps;
  const bridgeOf = (request: RestRequest): BridgeRecord | undefined => telephony.bridges.get(request.pathParams['bridgeId'] ?? '');
  /** find_bridge(): its 404 says "Not found" in the reason phrase (GET says "Not Found"). */
  const findBridgeCheck = (request: RestRequest): RestReply | null => (bridgeOf(request) ? null : ariError(404, 'Bridge not found', 'Not found'));

  const create: RestRoute = {
    check: (request) => {
      const bridgeId = request.pathParams['bridgeId'] ?? request.params.get('bridgeId') ?? '';
      if (bridgeId !== '' && telephony.bridges.has(bridgeId)) {
        return ariError(409, `Bridge with id '${bridgeId}' already exists`, 'Conflict');
      }
      if (!parseBridgeType(request.params.get('type') ?? '')) {
        return ariError(500, `Unable to create bridge. Possible duplicate bridge id '${bridgeId === '' ? '(null)' : bridgeId}'`, 'Internal Error');
      }
      return null;
    },
    run: (request) => {
      const type = parseBridgeType(request.params.get('type') ?? '')!;
      const bridge = telephony.createBridge({
        id: request.pathParams['bridgeId'] || request.params.get('bridgeId') || randomUUID(),
        name: request.params.get('name') ?? '',
        bridgeType: type.bridgeType,
        videoMode: type.videoMode,
        apps: deps.registeredApps(),
      });
      return { status: 200, body: bridgeJson(bridge) };
    },
  };

  /** control_list_create(): 400 for no channel or an unknown one, 422 for one not in Stasis. */
  const channelListCheck = (request: RestRequest): RestReply | null => {
    const ids = channelIdsParam(request);
    if (ids.length === 0) return ariError(400, 'Missing parameter channel', 'Bad Request');
    for (const id of ids) {
      const channel = telephony.liveChannel(id);
      if (!channel) return ariError(400, 'Channel not found', 'Bad Request');
      if (channel.stasisApp === null) return ariError(422, 'Channel not in Stasis application', 'Unprocessable Entity');
    }
    return null;
  };
  const channelsOf = (request: RestRequest): ChannelRecord[] => channelIdsParam(request).map((id) => telephony.liveChannel(id)!);

  return new Map<string, RestRoute>([
    ['bridges.list', { run: () => ({ status: 200, body: [...telephony.bridges.values()].map(bridgeJson) }) }],
    ['bridges.create', create],
    ['bridges.createWithId', create],
    [
      'bridges.get',
      {
        check: (request) => (bridgeOf(request) ? null : ariError(404, 'Bridge not found', 'Not Found')),
        run: (request) => ({ status: 200, body: bridgeJson(bridgeOf(request)!) }),
      },
    ],
    [
      'bridges.destroy',
      {
        check: findBridgeCheck,
        run: (request) => {
          const events = new EventBatch();
          telephony.destroyBridge(bridgeOf(request)!, events);
          return noContent(events);
        },
      },
    ],
    [
      'bridges.addChannel',
      {
        check: (request) => findBridgeCheck(request) ?? channelListCheck(request),
        run: (request) => {
          const events = new EventBatch();
          telephony.addToBridge(bridgeOf(request)!, channelsOf(request), events);
          return noContent(events, true);
        },
      },
    ],
    [
      'bridges.startMoh',
      {
        check: findBridgeCheck,
        run: (request) => {
          telephony.setBridgeMoh(bridgeOf(request)!, request.params.get('mohClass') || 'default');
          return noContent();
        },
      },
    ],
    [
      'bridges.stopMoh',
      {
        check: (request) => findBridgeCheck(request) ?? (bridgeOf(request)!.mohClass === null ? ariError(409, "Bridge isn't playing music", 'Conflict') : null),
        run: (request) => {
          telephony.setBridgeMoh(bridgeOf(request)!, null);
          return noContent();
        },
      },
    ],
    [
      'bridges.removeChannel',
      {
        check: (request) => {
          const problem = findBridgeCheck(request) ?? channelListCheck(request);
          if (problem) return problem;
          const bridgeId = request.pathParams['bridgeId'];
          const outside = channelsOf(request).some((channel) => channel.bridgeId !== bridgeId);
          return outside ? ariError(422, 'Channel not in this bridge', 'Unprocessable Entity') : null;
        },
        run: (request) => {
          const events = new EventBatch();
          for (const channel of channelsOf(request)) telephony.removeFromBridge(channel, events);
          return noContent(events, true);
        },
      },
    ],
  ]);
}

function channelIdsParam(request: RestRequest): string[] {
  return (request.params.get('channel') ?? '').split(',').filter((id) => id !== '');
}

function parseBridgeType(type: string): { bridgeType: 'mixing' | 'holding'; videoMode: string } | null {
  const flags = type === '' ? ['mixing'] : type.split(',');
  if (!flags.every((flag) => BRIDGE_TYPE_FLAGS.has(flag))) return null;
  const holding = flags.includes('holding');
  let videoMode = holding ? 'none' : 'talker';
  if (flags.includes('video_sfu')) videoMode = 'sfu';
  else if (flags.includes('video_single')) videoMode = 'single';
  return { bridgeType: holding ? 'holding' : 'mixing', videoMode };
}
