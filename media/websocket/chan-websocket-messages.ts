// The text messages chan_websocket (Asterisk 22, channels/chan_websocket.c) sends on
// a media websocket, in its default `plain-text` control message format: an event
// name, then `key:value` fields separated by spaces, e.g. (recorded)
//
//   MEDIA_START connection_id:3a57ddc0-… channel:WebSocket/INCOMING/0x7fd514005bf0
//               channel_id:1795234854.24 format:slin16 optimal_frame_size:640 ptime:20
//
// Others: MEDIA_XOFF / MEDIA_XON (its frame queue reached 900 / fell under 800),
// QUEUE_DRAINED, MEDIA_BUFFERING_COMPLETED [id], MEDIA_MARK_PROCESSED [id],
// DTMF_END digit:… channel_id:…, STATUS …, ERROR channel_id:… error_text:…
// Pure: a message in, a parsed event out; never throws.

export type ChanWebSocketEvent =
  | { type: 'MEDIA_START'; connectionId: string; channel: string; channelId: string; format: string; optimalFrameSize: number; ptimeMs: number }
  | { type: 'MEDIA_XOFF' | 'MEDIA_XON' | 'QUEUE_DRAINED' }
  | { type: 'DTMF_END'; digit: string }
  | { type: 'ERROR'; text: string }
  | { type: 'other'; name: string };

/** `key:value` fields; a value runs to the next space (ERROR's error_text runs to the end). */
function fields(rest: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const part of rest.split(' ')) {
    const colon = part.indexOf(':');
    if (colon > 0) result.set(part.slice(0, colon), part.slice(colon + 1));
  }
  return result;
}

export function parseChanWebSocketMessage(text: string): ChanWebSocketEvent | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const space = trimmed.indexOf(' ');
  const name = space < 0 ? trimmed : trimmed.slice(0, space);
  const rest = space < 0 ? '' : trimmed.slice(space + 1);
  switch (name) {
    case 'MEDIA_START': {
      const f = fields(rest);
      const optimalFrameSize = Number(f.get('optimal_frame_size'));
      const ptimeMs = Number(f.get('ptime'));
      const format = f.get('format');
      if (!format || !Number.isInteger(optimalFrameSize) || optimalFrameSize <= 0 || !Number.isInteger(ptimeMs) || ptimeMs <= 0) return null;
      return {
        type: 'MEDIA_START',
        connectionId: f.get('connection_id') ?? '',
        channel: f.get('channel') ?? '',
        channelId: f.get('channel_id') ?? '',
        format,
        optimalFrameSize,
        ptimeMs,
      };
    }
    case 'MEDIA_XOFF':
    case 'MEDIA_XON':
    case 'QUEUE_DRAINED':
      return { type: name };
    case 'DTMF_END':
      return { type: 'DTMF_END', digit: fields(rest).get('digit') ?? '' };
    case 'ERROR': {
      const marker = rest.indexOf('error_text:');
      return { type: 'ERROR', text: marker < 0 ? rest : rest.slice(marker + 'error_text:'.length) };
    }
    default:
      return { type: 'other', name };
  }
}
