// POST /channels and /channels/{channelId} (originate), with the checks and messages of
// ari_channels_handle_originate_with_id() in res/ari/resource_channels.c of Asterisk 22.10.1.
// What the dialed endpoint then does is Originations' business (originations.ts).

import { ariError, type RestReply, type RestRequest, type RestRoute } from './rest-types.js';
import { splitEndpoint, type Originations } from './originations.js';
import type { Telephony } from './telephony.js';

export interface OriginateRouteDeps {
  telephony: Telephony;
  originations: Originations;
}

/** AST_MAX_PUBLIC_UNIQUEID: the longest channel id an app may assign. */
const MAX_PUBLIC_UNIQUEID = 149;
const ALLOCATION_FAILED = ariError(500, 'Allocation failed', 'Internal Server Error');

export function originateRoutes(deps: OriginateRouteDeps): Map<string, RestRoute> {
  const { telephony, originations } = deps;
  const channelIdOf = (request: RestRequest): string => request.pathParams['channelId'] ?? request.params.get('channelId') ?? '';

  const originate: RestRoute = {
    check: (request) => {
      const param = (name: string): string => request.params.get(name) ?? '';
      const channelId = channelIdOf(request);
      if (channelId.length > MAX_PUBLIC_UNIQUEID || param('otherChannelId').length > MAX_PUBLIC_UNIQUEID) {
        return ariError(400, `Uniqueid length exceeds maximum of ${MAX_PUBLIC_UNIQUEID}`, 'Bad Request');
      }
      if (param('endpoint') === '') return ariError(400, 'Endpoint must be specified', 'Bad Request');
      if (param('originator') !== '' && param('formats') !== '') {
        return ariError(400, "Originator and formats can't both be specified", 'Bad Request');
      }
      const [tech, resource] = splitEndpoint(param('endpoint'));
      if (tech === '' || resource === '') return ariError(400, 'Invalid endpoint specified', 'Bad Request');
      if (param('app') === '') {
        if (param('extension') === '') return ariError(400, 'Application or extension must be specified', 'Bad Request');
        request.reportUnsupported('originate into a dialplan context (extension/context) is not implemented by the fake');
        return ariError(501, 'originate into the dialplan is not implemented by the ARI fake', 'Not Implemented');
      }
      if (param('originator') !== '') {
        request.reportUnsupported('originate with an originator channel is not implemented by the fake');
        return ariError(501, 'originate with an originator is not implemented by the ARI fake', 'Not Implemented');
      }
      if (channelId !== '' && telephony.channels.has(channelId) && telephony.liveChannel(channelId)) {
        return ariError(409, 'Channel with given unique ID already exists', 'Conflict');
      }
      // ast_dial_prerun(): the channel driver cannot create a channel (e.g. no contact registered).
      if (originations.behaviourOf(param('endpoint')).kind === 'unavailable') return ALLOCATION_FAILED;
      return null;
    },
    run: (request): RestReply => {
      const param = (name: string): string => request.params.get(name) ?? '';
      const { body, events } = originations.originate({
        channelId: channelIdOf(request) || telephony.nextChannelId(),
        endpoint: param('endpoint'),
        app: param('app'),
        appArgs: param('appArgs'),
        callerId: param('callerId'),
        timeout: param('timeout') === '' ? 30 : Number(param('timeout')),
        variables: request.variables,
      });
      return { status: 200, body, events };
    },
  };

  return new Map<string, RestRoute>([
    ['channels.originate', originate],
    ['channels.originateWithId', originate],
  ]);
}
