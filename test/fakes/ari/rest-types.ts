// Contract between the HTTP front of the fake and its per-operation REST handlers.

import type { EventBatch } from './ari-events.js';
import type { OperationSpec } from './api-docs.js';

export interface RestRequest {
  method: string;
  /** With the `/ari` prefix, without the query string. */
  path: string;
  operation: OperationSpec;
  pathParams: Readonly<Record<string, string>>;
  /** Query parameters and scalar JSON body fields (a body field wins), `api_key` removed. */
  params: ReadonlyMap<string, string>;
  /** The JSON body's `variables` object ({} when absent). */
  variables: Readonly<Record<string, string>>;
  /** Records that the fake cannot answer this faithfully (kept in FakeAsterisk.violations). */
  reportUnsupported(what: string): void;
}

export interface RestReply {
  status: number;
  /** HTTP reason phrase Asterisk uses for this answer, when it is not the standard one. */
  statusMessage?: string;
  /** JSON body; undefined for no body (204). */
  body?: unknown;
  headers?: Readonly<Record<string, string>>;
  events?: EventBatch;
  /** Deliver `events` before writing the answer: Asterisk raised them while handling it. */
  eventsBeforeReply?: boolean;
}

export interface RestRoute {
  /** Asterisk's own checks for this operation, without side effects: its error answer, or null. */
  check?(request: RestRequest): RestReply | null;
  run(request: RestRequest): RestReply | Promise<RestReply>;
}

export function ariError(status: number, message: string, statusMessage?: string): RestReply {
  const reply: RestReply = { status, body: { message } };
  if (statusMessage !== undefined) reply.statusMessage = statusMessage;
  return reply;
}

export function noContent(events?: EventBatch, eventsBeforeReply = false): RestReply {
  const reply: RestReply = { status: 204, eventsBeforeReply };
  if (events) reply.events = events;
  return reply;
}
