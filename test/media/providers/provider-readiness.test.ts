import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ProviderReadiness } from '../../../media/providers/provider-readiness.js';
import { providerFailure } from '../../support/doubles/providers.js';

function readiness(probes: { name: string; probe: (signal: AbortSignal) => Promise<void> }[]) {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  return { readiness: new ProviderReadiness(probes, logger), messages: () => lines.map((line) => (JSON.parse(line) as { msg: string }).msg) };
}

describe('ProviderReadiness', () => {
  it('says every provider is not checked yet before the first probe', () => {
    const { readiness: probes } = readiness([{ name: 'stt', probe: async () => {} }]);
    expect(probes.results()).toEqual({ stt: { ok: false, reason: 'not checked yet', checkedAt: null } });
  });

  it('records which provider refuses and why, and logs only changes', async () => {
    let sttDown = true;
    const { readiness: probes, messages } = readiness([
      { name: 'stt', probe: () => (sttDown ? Promise.reject(providerFailure('stt', 'key refused (401)', false)) : Promise.resolve()) },
      { name: 'llm', probe: async () => {} },
    ]);
    await probes.check();
    expect(probes.results()).toMatchObject({
      stt: { ok: false, reason: 'deepgram stt: key refused (401)', checkedAt: expect.any(String) },
      llm: { ok: true, reason: null },
    });
    await probes.check();
    expect(messages()).toEqual(['provider unavailable', 'provider available']);
    sttDown = false;
    await probes.check();
    expect(probes.results().stt).toMatchObject({ ok: true, reason: null });
    expect(messages()).toEqual(['provider unavailable', 'provider available', 'provider available']);
  });

  it('runs one probe round at a time however often it is asked', async () => {
    let calls = 0;
    let finish = (): void => {};
    const { readiness: probes } = readiness([{ name: 'tts', probe: () => new Promise<void>((resolve) => { calls += 1; finish = resolve; }) }]);
    const first = probes.check();
    const second = probes.check();
    expect(second).toBe(first);
    finish();
    await first;
    expect(calls).toBe(1);
    const third = probes.check();
    finish();
    await third;
    expect(calls).toBe(2);
  });

  it('gives each probe a signal and stops probing on stop()', async () => {
    const signals: AbortSignal[] = [];
    const { readiness: probes } = readiness([{ name: 'llm', probe: (signal) => Promise.resolve(void signals.push(signal)) }]);
    await probes.start();
    probes.stop();
    probes.stop();
    expect(signals).toHaveLength(1);
    expect(signals[0]!.aborted).toBe(false);
  });
});
