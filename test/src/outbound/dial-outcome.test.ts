// What an outbound call's far end did, from the Q.850 cause Asterisk reports and
// from AMD()'s AMDSTATUS/AMDCAUSE.
import { describe, expect, it } from 'vitest';
import { amdVerdict, unansweredEnding } from '../../../src/outbound/dial-outcome.js';

describe('an unanswered outbound call', () => {
  it.each([
    [17, 'User busy', { cause: 'busy', status: 'busy', causeCode: 17 }],
    [21, 'Call Rejected', { cause: 'call_rejected', status: 'busy', causeCode: 21 }],
    [19, 'User alerting, no answer', { cause: 'no_answer', status: 'no_answer', causeCode: 19 }],
    [18, 'No user responding', { cause: 'no_answer', status: 'no_answer', causeCode: 18 }],
  ])('cause %i (%s)', (cause, text, expected) => {
    expect(unansweredEnding(cause, text)).toEqual(expected);
  });

  it('any other cause is a failed dial that says why', () => {
    expect(unansweredEnding(34, 'Circuit/channel congestion')).toEqual({
      cause: 'dial_failed',
      causeCode: 34,
      error: 'the call could not be completed: Circuit/channel congestion',
    });
    expect(unansweredEnding(null, null).error).toBe('the call could not be completed: no cause given');
  });
});

describe("AMD()'s verdict", () => {
  it.each([
    [['outbound', 'HUMAN', 'HUMAN-200-500'], { result: 'human', cause: 'HUMAN-200-500' }],
    [['outbound', 'MACHINE', 'LONGGREETING-1600-1500'], { result: 'machine', cause: 'LONGGREETING-1600-1500' }],
    [['outbound', 'machine', ''], { result: 'machine', cause: null }],
    [['outbound', 'HANGUP', ''], { result: 'hangup', cause: null }],
    [['outbound', 'NOTSURE', 'TOOLONG-5000'], { result: 'notsure', cause: 'TOOLONG-5000' }],
    // AMD() did not run (the variables are empty): nobody knows, the agent speaks.
    [['outbound', '', ''], { result: 'notsure', cause: null }],
  ])('%j', (args, expected) => {
    expect(amdVerdict(args)).toEqual(expected);
  });
});
