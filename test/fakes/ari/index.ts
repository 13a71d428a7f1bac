// Fake Asterisk 22 (ARI REST + events websocket + UnicastRTP media) for integration tests.

export { FakeAsterisk } from './fake-asterisk.js';
export type {
  FakeAsteriskOptions,
  FakeBridgeView,
  FakeCall,
  FakeCallOptions,
  FakeChannelView,
  RecordedRequest,
} from './public-types.js';
export type { ReceivedPacket } from './rtp-media.js';
