// A call another backend replica set up, as its CallLog row describes it: what the
// replica that takes the node's lease over needs to go on with the call.
import type { CallRecord } from './call-record.js';

/** A call set up by another replica, as its row has it. */
export interface AdoptedCall {
  readonly kind: 'adopted';
  readonly record: CallRecord;
}

/** The row describes a call connected to its gateway: its resources are all known. */
export function isFullySetUp(record: CallRecord): boolean {
  return (
    record.status === 'answered' &&
    record.bridgeId !== null &&
    record.mediaChannelId !== null &&
    !!record.mediaSessionId &&
    !!record.mediaGatewayUrl
  );
}

