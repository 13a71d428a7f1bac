import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from './sleep.js';

const warnings: Error[] = [];
const onWarning = (warning: Error): void => void warnings.push(warning);

afterEach(() => {
  process.off('warning', onWarning);
  warnings.length = 0;
});

describe('sleep', () => {
  it('lets many callers sleep at once without piling listeners on a shared signal', async () => {
    process.on('warning', onWarning);
    await Promise.all(Array.from({ length: 50 }, () => sleep(1)));
    // Warnings are emitted on a later tick than the listener that caused them.
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(warnings.map((warning) => warning.name)).not.toContain('MaxListenersExceededWarning');
  });

  it('rejects with the reason as soon as its signal aborts', async () => {
    const controller = new AbortController();
    const sleeping = sleep(60_000, controller.signal);
    controller.abort(new Error('caller hung up'));
    await expect(sleeping).rejects.toThrow('caller hung up');
  });
});
