import { describe, expect, it } from 'vitest';
import { readKeypadActions } from '../../../src/calls/business-directory.js';

describe('readKeypadActions', () => {
  it('reads a key -> action object, and maps no key (saying why) when the stored value is not one', () => {
    expect(readKeypadActions('{"0":"transfer","9":"end_call"}')).toEqual({ actions: { '0': 'transfer', '9': 'end_call' }, problem: null });
    expect(readKeypadActions('{}')).toEqual({ actions: {}, problem: null });
    expect(readKeypadActions('not json')).toEqual({ actions: {}, problem: 'keypad_actions is not JSON' });
    expect(readKeypadActions('{"0":"dance"}').problem).toMatch(/^keypad_actions: /);
    expect(readKeypadActions('{"11":"transfer"}').actions).toEqual({});
  });
});
