// What a CallSession needs from the rest of the backend.
import type { Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { AriRest } from '../ari/rest.js';
import type { MediaGatewayClient } from '../media-gateway/client.js';
import type { AiShareChooser } from './ai-share-router.js';
import type { BusinessDirectory } from './business-directory.js';
import type { CallLogWriter } from './call-log-writer.js';
import type { CallSession } from './call-session.js';
import type { ConversationSoFar } from './conversation-so-far.js';

export interface CallSettings {
  appName: string;
  mediaTransport: 'rtp' | 'websocket';
  mediaFormat: 'ulaw' | 'slin' | 'slin16';
  /** Base URL the gateway connects to for websocket media: `<base>/<connection id>`. */
  mediaWebSocketUrl: string;
  defaultCountryCode: string;
  externalMediaStasisTimeoutMs: number;
  /** Warm transfer: how long the person is rung, how long their announcement may take. */
  transferRingTimeoutS: number;
  announcementTimeoutMs: number;
  outbound: {
    /** PJSIP endpoint of the trunk: outbound calls dial PJSIP/<number>@<trunk>. */
    trunk: string;
    ringTimeoutS: number;
    amdTimeoutMs: number;
  };
  /** The Asterisk node these calls are on (recorded in their rows). */
  node?: string;
  /**
   * From the StasisStart to the answer: the caller rings while the media path
   * is set up, and is hung up (congestion) when it is not ready by then.
   */
  setupTimeoutMs: number;
}

/** Lets the manager route events by channel and bridge id (and gateway reports by call or leg id) to the session owning them. */
export interface CallRegistry {
  claim(id: string, session: CallSession): void;
  /** A media leg of the call with its own gateway callId (a warm transfer's announcement). */
  claimCallId(callId: string, session: CallSession): void;
  release(session: CallSession): void;
}

export interface CallSessionDeps {
  ari: AriRest;
  media: MediaGatewayClient;
  writer: CallLogWriter;
  directory: BusinessDirectory;
  registry: CallRegistry;
  settings: CallSettings;
  logger: Logger;
  now: () => Date;
  newId: () => string;
  /** Gradual rollout: which inbound calls go to a person instead of the agent. */
  aiShare: AiShareChooser;
  /** Spans of the call and its setup steps (none recorded when absent). */
  tracer?: Tracer;
  /** The stored turns of a call, for an agent that takes it over (a moved call, a warm transfer not taken; none when absent). */
  conversationSoFar?: ConversationSoFar;
}
