import { describe, expect, it } from 'vitest';
import { AriStatusStore, type AriStatus } from '../../../src/ari/status.js';

describe('AriStatusStore', () => {
  it('starts idle and tells listeners each real change with the previous status', () => {
    const store = new AriStatusStore(() => {});
    expect(store.status).toEqual({ state: 'idle', registered: false, lastError: null, connectedAt: null, connectAttempts: 0, malformedEvents: 0 });
    const seen: [AriStatus, AriStatus][] = [];
    const unsubscribe = store.subscribe((status, previous) => seen.push([status, previous]));
    store.update({ state: 'connecting' });
    store.update({ state: 'connecting' });
    store.update({ state: 'connected', registered: true, connectedAt: 1_000 });
    expect(seen.map(([status, previous]) => `${previous.state}->${status.state}`)).toEqual(['idle->connecting', 'connecting->connected']);
    expect(Object.isFrozen(store.status)).toBe(true);
    unsubscribe();
    store.update({ state: 'disconnected' });
    expect(seen).toHaveLength(2);
  });

  it('reports a throwing listener and still tells the others', () => {
    const reported: unknown[] = [];
    const store = new AriStatusStore((error) => reported.push(error));
    const states: string[] = [];
    store.subscribe(() => {
      throw new Error('listener bug');
    });
    store.subscribe((status) => states.push(status.state));
    store.update({ state: 'waiting_for_asterisk', lastError: 'connection refused (127.0.0.1:8088)' });
    expect(states).toEqual(['waiting_for_asterisk']);
    expect(reported).toEqual([new Error('listener bug')]);
  });

  it('waits for a state: at once when already there, on the change, or fails naming both states', async () => {
    const store = new AriStatusStore(() => {});
    await expect(store.waitForState('idle', 10)).resolves.toBeUndefined();
    const connected = store.waitForState('connected', 5_000);
    store.update({ state: 'connecting' });
    store.update({ state: 'connected' });
    await expect(connected).resolves.toBeUndefined();
    await expect(store.waitForState('closed', 10)).rejects.toThrow('timed out after 10 ms waiting for ARI state "closed" (current: "connected")');
  });
});
