// Fake OpenAI Realtime API (speech to speech over WebSocket) for integration tests and benchmarks.
export { DEFAULT_REALTIME_KNOBS, FakeOpenAiRealtime } from './fake-openai-realtime.js';
export { CLIENT_EVENT_TYPES, parseClientEvent } from './client-events.js';
export type { RealtimeErrorBody } from './client-events.js';
export type * from './public-types.js';
