// /applications, /asterisk and /endpoints operations (shapes from the recorded
// applications-listing and api-docs-and-info traces).

import type { AsteriskPing } from '../../../src/ari/types.js';
import { ariTimestamp, ASTERISK_ID, ASTERISK_VERSION } from './ari-format.js';
import { ariError, type RestRoute } from './rest-types.js';
import type { Telephony } from './telephony.js';

export interface SystemRouteDeps {
  telephony: Telephony;
  registeredApps(): string[];
  isRegistered(app: string): boolean;
  /** When this Asterisk (re)started, in ARI timestamp format. */
  startupTime(): string;
  /** asterisk.conf systemname ("" when unset), reported as config.name. */
  systemName: string;
}

export function systemRoutes(deps: SystemRouteDeps): Map<string, RestRoute> {
  const { telephony } = deps;
  return new Map<string, RestRoute>([
    ['applications.list', { run: () => ({ status: 200, body: deps.registeredApps().map((name) => telephony.application(name)) }) }],
    [
      'applications.get',
      {
        check: (request) =>
          deps.isRegistered(request.pathParams['applicationName'] ?? '') ? null : ariError(404, 'Application not found', 'Not Found'),
        run: (request) => ({ status: 200, body: telephony.application(request.pathParams['applicationName']!) }),
      },
    ],
    [
      'asterisk.ping',
      {
        run: () => {
          const ping: AsteriskPing = { ping: 'pong', timestamp: ariTimestamp(), asterisk_id: ASTERISK_ID };
          return { status: 200, body: ping };
        },
      },
    ],
    [
      'asterisk.getInfo',
      {
        run: (request) => {
          const info = asteriskInfo(deps.startupTime(), deps.systemName);
          const only = request.params.get('only');
          if (!only) return { status: 200, body: info };
          const wanted = new Set(only.split(','));
          return { status: 200, body: Object.fromEntries(Object.entries(info).filter(([section]) => wanted.has(section))) };
        },
      },
    ],
    // A plain GET (no websocket upgrade) of the events resource.
    ['events.eventWebsocket', { run: () => ariError(426, 'Upgrade Required', 'Upgrade Required') }],
    [
      'endpoints.list',
      {
        run: () => ({
          status: 200,
          body: [
            {
              technology: 'PJSIP',
              resource: 'twilio-trunk',
              state: 'online',
              channel_ids: telephony.liveChannels().filter((channel) => channel.kind === 'caller').map((channel) => channel.id),
            },
          ],
        }),
      },
    ],
  ]);
}

function asteriskInfo(startupTime: string, systemName: string): Record<string, unknown> {
  return {
    build: { os: 'Linux', kernel: '6.18.44-fc-v657', machine: 'x86_64', options: 'OPTIONAL_API', date: '2026-11-21 04:09:18 UTC', user: 'root' },
    system: { version: ASTERISK_VERSION, entity_id: ASTERISK_ID },
    config: { name: systemName, default_language: 'en', setid: { user: 'root', group: 'root' } },
    status: { startup_time: startupTime, last_reload_time: startupTime },
  };
}
