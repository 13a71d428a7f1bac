// The console's extra badges on a call: the rollout's route, a warm transfer's
// outcome, an answering machine on an outbound call.
import { describe, expect, it } from 'vitest';
import { outcomeBadges, statusText } from '../../../src/console/call-status.js';

describe('outcome badges', () => {
  it('says nothing for a plain call', () => {
    expect(outcomeBadges({ routedToHuman: false, transferOutcome: null, amdResult: null })).toEqual([]);
  });

  it('shows the route to a person, the transfer outcome and a machine', () => {
    expect(outcomeBadges({ routedToHuman: true, transferOutcome: null, amdResult: null })).toEqual([{ label: 'To a person', tone: 'info' }]);
    expect(outcomeBadges({ routedToHuman: false, transferOutcome: 'connected', amdResult: null })).toEqual([{ label: 'Transfer: connected', tone: 'ok' }]);
    expect(outcomeBadges({ routedToHuman: false, transferOutcome: 'no_answer', amdResult: 'machine' })).toEqual([
      { label: 'Transfer: no answer', tone: 'warn' },
      { label: 'Answering machine', tone: 'info' },
    ]);
    expect(outcomeBadges({ routedToHuman: false, transferOutcome: null, amdResult: 'human' })).toEqual([]);
  });

  it('names the outbound statuses', () => {
    expect(statusText('busy')).toEqual({ label: 'Busy', tone: 'warn' });
    expect(statusText('no_answer')).toEqual({ label: 'No answer', tone: 'warn' });
  });
});
