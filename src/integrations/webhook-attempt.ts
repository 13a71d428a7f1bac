// One attempt to deliver a webhook: POST the body, signed with the endpoint's
// secrets (Standard Webhooks), through the SSRF-guarded fetch, bounded by a
// timeout. Only a 2xx answer counts as delivered; a redirect is a failure
// (it is never followed: it could lead anywhere).
import { describeOutboundError, readTextCapped, type FetchLike } from '../../media/contract/guarded-fetch.js';
import { signedHeaders } from '../../media/contract/standard-webhooks.js';

export type AttemptResult = { ok: true; statusCode: number } | { ok: false; statusCode: number | null; error: string };

/** Of an answer's body, this much is read (for the error shown in the delivery log). */
const MAX_ERROR_BODY_BYTES = 2_048;

export async function attemptDelivery(options: {
  fetch: FetchLike;
  url: string;
  secrets: readonly string[];
  eventId: string;
  body: string;
  timeoutMs: number;
  nowSeconds: number;
  signal: AbortSignal;
}): Promise<AttemptResult> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  try {
    const response = await options.fetch(options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signedHeaders(options.secrets, options.eventId, options.nowSeconds, options.body) },
      body: options.body,
      signal: AbortSignal.any([options.signal, timeout]),
    });
    const { text } = await readTextCapped(response, MAX_ERROR_BODY_BYTES);
    if (response.ok) return { ok: true, statusCode: response.status };
    if (response.status >= 300 && response.status < 400) {
      return { ok: false, statusCode: response.status, error: `HTTP ${response.status}: redirects are not followed; use the final URL` };
    }
    const detail = text.replace(/\s+/g, ' ').trim().slice(0, 200);
    return { ok: false, statusCode: response.status, error: `HTTP ${response.status}${detail === '' ? '' : `: ${detail}`}` };
  } catch (error) {
    return { ok: false, statusCode: null, error: describeOutboundError(error, { timedOut: timeout.aborted, timeoutMs: options.timeoutMs }) };
  }
}
