// Writes a streamed HTTP response piece by piece on a schedule: the first piece after a latency,
// the next ones at a fixed interval (0 = in one go), with the faults the fake injects: the TCP
// socket destroyed after N pieces, or the stream stalled (left open, silent) after N pieces.

import type { ServerResponse } from 'node:http';
import { nowMs, type TimerSet } from '../deepgram/clock.js';
import type { RecordedRequest } from './public-types.js';

export interface PacedBody {
  status: number;
  headers: Record<string, string>;
  pieces: Buffer[];
  /** Written together with the last piece, not counted (the SSE `data: [DONE]`). */
  trailer?: Buffer;
  firstPieceDelayMs: number;
  intervalMs: number;
  disconnectAfterPieces?: number | undefined;
  stallAfterPieces?: number | undefined;
  /** Audio bytes per piece are counted in the record when true. */
  countsAudio?: boolean;
}

export function writePaced(response: ServerResponse, record: RecordedRequest, body: PacedBody, timers: TimerSet, changed: () => void): void {
  let next = 0;
  let stopped = false;
  response.on('close', () => {
    if (!response.writableFinished && record.outcome === 'pending') {
      record.outcome = 'client-aborted';
      changed();
    }
    stopped = true;
  });
  // Piece i is due at start + i * interval; start moves to the moment piece 0 is really written,
  // so a late first piece (a busy event loop) never squeezes the pieces after it.
  let startAtMs = nowMs() + body.firstPieceDelayMs;

  const step = (): void => {
    while (!stopped) {
      if (body.disconnectAfterPieces !== undefined && next >= body.disconnectAfterPieces) {
        record.outcome = 'disconnected';
        stopped = true;
        response.socket?.destroy();
        changed();
        return;
      }
      if (body.stallAfterPieces !== undefined && next >= body.stallAfterPieces) {
        record.outcome = 'stalled';
        stopped = true;
        changed();
        return;
      }
      if (next === body.pieces.length) {
        if (!response.headersSent) writeHead();
        response.end(body.trailer);
        record.outcome = 'completed';
        record.lastByteSentAtMs = nowMs();
        stopped = true;
        changed();
        return;
      }
      const dueMs = startAtMs + next * body.intervalMs;
      const now = nowMs();
      if (dueMs > now) {
        timers.after(dueMs - now, step);
        return;
      }
      if (!response.headersSent) writeHead();
      const piece = body.pieces[next]!;
      response.write(piece);
      const sentAtMs = nowMs();
      if (next === 0) startAtMs = sentAtMs;
      next += 1;
      record.chunksSent += 1;
      if (body.countsAudio) record.audioBytesSent += piece.length;
      record.firstByteSentAtMs ??= sentAtMs;
      record.lastByteSentAtMs = sentAtMs;
      changed();
    }
  };

  const writeHead = (): void => {
    response.writeHead(body.status, body.headers);
    response.flushHeaders();
    record.status = body.status;
  };

  step();
}
