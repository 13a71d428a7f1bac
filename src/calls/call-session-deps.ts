// What a CallSession needs from the rest of the backend.
import type { Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { AriRest } from '../ari/rest.js';
import type { MediaGatewayClient } from '../media-gateway/client.js';
import type { BusinessDirectory } from './business-directory.js';
import type { CallLogWriter } from './call-log-writer.js';
import type { CallSession } from './call-session.js';
import type { ConversationSoFar } from './conversation-so-far.js';

export interface CallSettings {
  appName: string;
  mediaFormat: 'ulaw' | 'slin';
  defaultCountryCode: string;
  externalMediaStasisTimeoutMs: number;
  /** The Asterisk node these calls are on (recorded in their rows). */
  node?: string;
  /**
   * From the StasisStart to the answer: the caller rings while the media path
   * is set up, and is hung up (congestion) when it is not ready by then.
   */
  setupTimeoutMs: number;
}

/** Lets the manager route events by channel and bridge id to the session owning them. */
export interface CallRegistry {
  claim(id: string, session: CallSession): void;
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
  /** Spans of the call and its setup steps (none recorded when absent). */
  tracer?: Tracer;
  /** The stored turns of a call, for a gateway that takes it over (none carried over when absent). */
  conversationSoFar?: ConversationSoFar;
}
