// Stasis applications registered by events websockets, and event delivery to them.
// As in Asterisk 22: a second socket for the same app takes it over (the first socket gets
// ApplicationReplaced, stays open, and receives nothing more); the app is unregistered when
// the socket that currently holds it closes.

import { WebSocket } from 'ws';
import { applicationReplacedFrame, eventFrame, type EventBatch } from './ari-events.js';

export class AppRegistry {
  /** App name -> the socket currently holding it. */
  private readonly holders = new Map<string, WebSocket>();
  private readonly sockets = new Set<WebSocket>();
  private silent = false;

  constructor(private readonly notifyChange: () => void) {}

  /** Registers `appNames` on an accepted events socket. */
  attach(socket: WebSocket, appNames: readonly string[]): void {
    this.sockets.add(socket);
    socket.on('ping', (data: Buffer) => {
      if (!this.silent && socket.readyState === WebSocket.OPEN) socket.pong(data);
    });
    // A peer that vanishes mid-frame surfaces as 'error' then 'close'; 'close' does the cleanup.
    socket.on('error', () => undefined);
    socket.on('close', () => this.detach(socket));
    for (const name of appNames) {
      const previous = this.holders.get(name);
      if (previous && previous !== socket) this.sendFrame(previous, applicationReplacedFrame(name));
      this.holders.set(name, socket);
    }
    this.notifyChange();
  }

  isRegistered(name: string): boolean {
    return this.holders.has(name);
  }

  registeredApps(): string[] {
    return [...this.holders.keys()];
  }

  openSocketCount(): number {
    let open = 0;
    for (const socket of this.sockets) if (socket.readyState === WebSocket.OPEN) open += 1;
    return open;
  }

  /** Silent: sockets stay open, but no events and no pongs (a hung Asterisk). */
  setSilent(silent: boolean): void {
    this.silent = silent;
  }

  deliver(batch: EventBatch): void {
    if (batch.events.length === 0) return;
    for (const event of batch.events) {
      for (const application of event.recipients) {
        const socket = this.holders.get(application);
        if (socket) this.sendFrame(socket, eventFrame(event.payload, application));
      }
    }
    this.notifyChange();
  }

  /** Sends a text frame as-is to the socket holding `application` (false when none does). */
  sendRaw(application: string, frame: string): boolean {
    const socket = this.holders.get(application);
    if (!socket) return false;
    this.sendFrame(socket, frame);
    return true;
  }

  /** Drops every socket without a close frame (the peer sees the TCP connection die). */
  terminateAll(): void {
    for (const socket of this.sockets) socket.terminate();
    this.sockets.clear();
    this.holders.clear();
    this.silent = false;
  }

  private detach(socket: WebSocket): void {
    this.sockets.delete(socket);
    for (const [name, holder] of this.holders) {
      if (holder === socket) this.holders.delete(name);
    }
    this.notifyChange();
  }

  private sendFrame(socket: WebSocket, frame: string): void {
    if (this.silent || socket.readyState !== WebSocket.OPEN) return;
    socket.send(frame);
  }
}
