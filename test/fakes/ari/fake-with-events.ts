// A fresh ARI fake with the app's events socket open, both closed when the test finishes:
// the start of most tests that talk to the fake directly.
import { onTestFinished } from 'vitest';
import { FakeAsterisk } from './fake-asterisk.js';
import { EventSocket } from './raw-ari-client.js';

export async function startFakeWithEvents(): Promise<{ fake: FakeAsterisk; events: EventSocket }> {
  const fake = await FakeAsterisk.start();
  onTestFinished(() => fake.close());
  const events = await EventSocket.open(`${fake.url.replace('http', 'ws')}/ari/events?app=prosaas_ai&api_key=asterisk:asterisk`);
  onTestFinished(() => events.close());
  return { fake, events };
}
