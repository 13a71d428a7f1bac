// Public surface of the typed ARI client.

export { AriClient, ARI_CLIENT_DEFAULT_TIMINGS } from './client.js';
export type { AriClientOptions, AriClientTimings, AriEventHandler } from './client.js';
export type { AriState, AriStatus, AriStatusListener } from './status.js';
export { AriError, isAriError, type AriErrorKind } from './errors.js';
export {
  AriRest,
  type AriRequestOptions,
  type AriQueryValue,
  type ContinueInDialplanOptions,
  type CreateBridgeParams,
  type ExternalMediaParams,
  type OriginateParams,
  type HttpMethod,
} from './rest.js';
export { normalizeAriUrl, type AriUrls } from './url.js';
export type * from './types.js';
export { KNOWN_EVENT_TYPES } from './types.js';
