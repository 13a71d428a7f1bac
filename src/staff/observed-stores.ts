// Wraps the stores of call log records and conversation reports so that the
// live feed hears of what was stored, after it was stored. The writes and
// their errors are unchanged; a failing listener never fails a write.
import type { CallLogStore } from '../calls/call-log-writer.js';
import type { ConversationStore } from '../calls/conversation-store.js';
import type { LiveCallFeed } from './live-feed.js';

export function observedCallLogStore(
  store: CallLogStore,
  feed: LiveCallFeed,
  onListenerError: (error: unknown) => void,
): CallLogStore {
  return {
    async save(record) {
      await store.save(record);
      try {
        feed.callStored(record);
      } catch (error) {
        onListenerError(error);
      }
    },
  };
}

export function observedConversationStore(
  store: ConversationStore,
  feed: LiveCallFeed,
  onListenerError: (error: unknown) => void,
): ConversationStore {
  return {
    async saveTurn(callId, turn) {
      await store.saveTurn(callId, turn);
      try {
        feed.turnStored(callId, turn);
      } catch (error) {
        onListenerError(error);
      }
    },
    saveFailure: (callId, failure) => store.saveFailure(callId, failure),
    saveMessage: (callId, message) => store.saveMessage(callId, message),
    listTurns: (callId) => store.listTurns(callId),
  };
}
