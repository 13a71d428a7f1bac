// A capacity trial's target that dies is reported with its cause (exit and
// last words), not with whatever read of the vanished process failed next.
import { describe, expect, it } from 'vitest';
import { startProgram } from '../../../test/kit/program-process.js';
import { waitUntil } from '../../../test/kit/wait.js';
import { watchDeath } from '../../../scripts/bench/trial-target.js';

describe('watchDeath', () => {
  it('names the exit and the last lines of a target that died on its own', async () => {
    const program = startProgram('media gateway', [process.execPath, '-e', "console.error('RangeError: Array buffer allocation failed'); process.exit(7)"]);
    const death = watchDeath(program, () => program.stderrTail(), () => false);
    await waitUntil(() => death() !== null, { timeoutMs: 10_000, what: 'the death to be seen' });
    expect(death()).toBe('media gateway died (exit code 7); its last words: RangeError: Array buffer allocation failed');
  });

  it('says nothing about a target the trial stopped itself', async () => {
    const program = startProgram('echo baseline', [process.execPath, '-e', 'setInterval(() => {}, 1000)']);
    let stopping = false;
    const death = watchDeath(program, () => program.stderrTail(), () => stopping);
    stopping = true;
    const exit = await program.stop(1_000);
    expect(exit.signal ?? exit.code).not.toBeNull();
    expect(death()).toBeNull();
  });
});
