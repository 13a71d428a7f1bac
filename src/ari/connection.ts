// One attempt's events socket seen as promises (opened / ended / replaced), so the supervisor in
// client.ts can race them against close(). Whether an event is still wanted (generation check)
// is decided by the `isCurrent` callback the supervisor passes in.

import { AriEventSocket, type AriEventSocketOptions, type EventSocketEnd, type RawAriEvent } from './event-socket.js';

export interface ConnectionCallbacks {
  /** False once the supervisor moved on: the socket's events, malformed frames and end are ignored. */
  isCurrent(): boolean;
  onEvent(event: RawAriEvent): void;
  onMalformed(): void;
}

export class Connection {
  readonly socket: AriEventSocket;
  /** Resolves when the upgrade succeeded. */
  readonly opened: Promise<void>;
  /** Resolves with the reason the socket is over (not resolved when the supervisor closed it). */
  readonly ended: Promise<EventSocketEnd>;
  /** Resolves when Asterisk sent ApplicationReplaced on this socket. */
  readonly replaced: Promise<void>;
  private endValue: EventSocketEnd | null = null;
  private resolveOpened!: () => void;
  private resolveEnded!: (end: EventSocketEnd) => void;
  private resolveReplaced!: () => void;

  constructor(options: AriEventSocketOptions, callbacks: ConnectionCallbacks) {
    this.opened = new Promise((resolve) => (this.resolveOpened = resolve));
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
    this.replaced = new Promise((resolve) => (this.resolveReplaced = resolve));
    this.socket = AriEventSocket.connect(options, {
      onOpen: () => {
        if (callbacks.isCurrent()) this.resolveOpened();
      },
      onEvent: (event) => {
        if (!callbacks.isCurrent()) return;
        callbacks.onEvent(event);
        if (event.type === 'ApplicationReplaced') this.resolveReplaced();
      },
      onMalformed: () => {
        if (callbacks.isCurrent()) callbacks.onMalformed();
      },
      onEnd: (end) => {
        if (!callbacks.isCurrent()) return;
        this.endValue = end;
        this.resolveEnded(end);
      },
    });
  }

  /** Why the socket ended, once `ended` has resolved; null before. */
  get end(): EventSocketEnd | null {
    return this.endValue;
  }

  close(): Promise<void> {
    return this.socket.close(1000);
  }
}

/** One line for logs and AriStatus.lastError; never contains credentials. */
export function describeSocketEnd(end: EventSocketEnd): string {
  switch (end.kind) {
    case 'closed':
      return `ARI events socket closed (code ${end.code}${end.reason ? `, ${end.reason}` : ''})`;
    case 'dead':
      return `ARI events socket unresponsive: no pong within ${end.pongTimeoutMs} ms`;
    case 'rejected':
      return end.unauthorized
        ? 'ARI credentials rejected by Asterisk (events socket upgrade answered 401)'
        : `ARI events socket upgrade refused: http ${end.status}${end.ariMessage ? ` ${end.ariMessage}` : ''}`;
    case 'failed':
      return `ARI events socket could not connect: ${end.description}`;
  }
}
