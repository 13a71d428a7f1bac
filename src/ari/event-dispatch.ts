// Delivers events of known types to subscribers. A throwing (or rejecting) handler is logged and
// never stops delivery to the others nor breaks the caller's loop. Unknown types are counted and
// logged at debug level only: Asterisk sends many event types this project does not handle.

import type { Logger } from 'pino';
import type { RawAriEvent } from './event-socket.js';
import { KNOWN_EVENT_TYPES, type AriEvent } from './types.js';

export type AriEventHandler = (event: AriEvent) => void | Promise<void>;

export class EventDispatch {
  private readonly handlers = new Set<AriEventHandler>();
  private unknownEvents = 0;

  constructor(private readonly logger: Logger) {}

  subscribe(handler: AriEventHandler): () => void {
    this.handlers.add(handler);
    return () => {
      this.handlers.delete(handler);
    };
  }

  /** Events of types this project does not handle, dropped so far. */
  get unknownEventCount(): number {
    return this.unknownEvents;
  }

  dispatch(event: RawAriEvent): void {
    if (!KNOWN_EVENT_TYPES.has(event.type)) {
      this.unknownEvents += 1;
      this.logger.debug({ type: event.type, unknownEvents: this.unknownEvents }, 'ignored ARI event type');
      return;
    }
    // Only `type` is checked: the fields of known events are trusted as Asterisk's api-docs define them.
    const known = event as unknown as AriEvent;
    for (const handler of [...this.handlers]) {
      try {
        const result = handler(known);
        if (result instanceof Promise) result.catch((error: unknown) => this.reportError(error, known));
      } catch (error) {
        this.reportError(error, known);
      }
    }
  }

  private reportError(error: unknown, event: AriEvent): void {
    this.logger.error({ err: error, type: event.type }, 'ARI event handler threw; ignored');
  }
}
