// Wraps the stores of call log records and conversation reports so that the
// live feed hears of what was stored, after it was stored. The writes and
// their errors are unchanged; a failing listener never fails a write.
import type { CallLogStore } from '../calls/call-log-writer.js';
import type { ConversationStore } from '../calls/conversation-store.js';
import type { LiveCallFeed } from './live-feed.js';

type ListenerErrorHandler = (error: unknown) => void;

/** `write`, then `notify` with the same arguments; what `notify` throws goes to `onListenerError`. */
function thenNotify<A extends unknown[]>(
  write: (...args: A) => Promise<void>,
  notify: (...args: A) => void,
  onListenerError: ListenerErrorHandler,
): (...args: A) => Promise<void> {
  return async (...args) => {
    await write(...args);
    try {
      notify(...args);
    } catch (error) {
      onListenerError(error);
    }
  };
}

export function observedCallLogStore(store: CallLogStore, feed: LiveCallFeed, onListenerError: ListenerErrorHandler): CallLogStore {
  return { save: thenNotify((record) => store.save(record), (record) => feed.callStored(record), onListenerError) };
}

export function observedConversationStore(
  store: ConversationStore,
  feed: LiveCallFeed,
  onListenerError: ListenerErrorHandler,
): ConversationStore {
  return {
    saveTurn: thenNotify((callId, turn) => store.saveTurn(callId, turn), (callId, turn) => feed.turnStored(callId, turn), onListenerError),
    saveFailure: (callId, failure) => store.saveFailure(callId, failure),
    saveMessage: (callId, message) => store.saveMessage(callId, message),
  };
}
