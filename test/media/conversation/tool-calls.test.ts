import { describe, expect, it } from 'vitest';
import { ENDING_NOT_ALONE, planToolCalls } from '../../../media/conversation/tool-calls.js';

describe('planToolCalls', () => {
  it('ends the call after the goodbye on end_call, with a result the LLM sees', () => {
    expect(planToolCalls([{ id: 'c1', name: 'end_call', arguments: { reason: 'done' } }], false)).toEqual({
      results: [{ role: 'tool', toolCallId: 'c1', content: 'The call will end after your goodbye.' }],
      actions: [],
      business: [],
      afterSpeech: { kind: 'hangup', reason: 'agent_goodbye', forced: false },
      needsAnotherRound: false,
    });
  });

  it('transfers after the message when the business has a target, with the reason when it is text', () => {
    const plan = planToolCalls([{ id: 'c2', name: 'transfer_to_human', arguments: { reason: 'billing question' } }], true);
    // The call's reply is the transfer's real outcome, known only once the backend tried it after the words.
    expect(plan.afterSpeech).toEqual({ kind: 'transfer', reason: 'billing question', forced: false, toolCallId: 'c2' });
    expect(plan.results).toEqual([]);
    expect(plan.actions).toEqual([]);
    expect(plan.needsAnotherRound).toBe(false);
    expect(planToolCalls([{ id: 'c3', name: 'transfer_to_human', arguments: { reason: 42 } }], true).afterSpeech).toEqual({
      kind: 'transfer',
      reason: null,
      forced: false,
      toolCallId: 'c3',
    });
  });

  it('refuses a transfer nobody can take and asks the LLM to answer again', () => {
    expect(planToolCalls([{ id: 'c4', name: 'transfer_to_human', arguments: {} }], false)).toEqual({
      results: [{ role: 'tool', toolCallId: 'c4', content: 'No one is available to take a transfer.' }],
      actions: [],
      business: [],
      afterSpeech: null,
      needsAnotherRound: true,
    });
  });

  it('turns take_message into a backend action, bounding and defaulting what the LLM gave', () => {
    const plan = planToolCalls(
      [{ id: 'c5', name: 'take_message', arguments: { caller_name: 'x'.repeat(300), callback_number: 5551234567, reason: '' } }],
      false,
    );
    expect(plan.results).toEqual([]);
    expect(plan.needsAnotherRound).toBe(false);
    expect(plan.actions).toEqual([
      { toolCallId: 'c5', action: { type: 'take_message', callerName: 'x'.repeat(200), callbackNumber: '5551234567', reason: 'not given' } },
    ]);
    expect(planToolCalls([{ id: 'c6', name: 'take_message', arguments: null }], false).actions[0]!.action).toEqual({
      type: 'take_message',
      callerName: 'unknown',
      callbackNumber: 'unknown',
      reason: 'not given',
    });
  });

  it('answers an unknown tool with an error result and another round; plans several calls together', () => {
    const plan = planToolCalls(
      [
        { id: 'a', name: 'book_table', arguments: {} },
        { id: 'b', name: 'take_message', arguments: { caller_name: 'Dana', callback_number: '555', reason: 'Reschedule' } },
        { id: 'c', name: 'end_call', arguments: {} },
      ],
      false,
    );
    // Ending the call with other requests is refused: the caller must first hear how the message went.
    expect(plan.results).toEqual([
      { role: 'tool', toolCallId: 'a', content: 'Unknown tool book_table.' },
      { role: 'tool', toolCallId: 'c', content: ENDING_NOT_ALONE },
    ]);
    expect(plan.actions.map((action) => action.toolCallId)).toEqual(['b']);
    expect(plan.afterSpeech).toBeNull();
    expect(plan.needsAnotherRound).toBe(true);
  });

  it('refuses a transfer asked together with other tools, and plans the others', () => {
    const plan = planToolCalls(
      [
        { id: 'd', name: 'take_message', arguments: { caller_name: 'Dana', callback_number: '555', reason: 'Refund' } },
        { id: 'e', name: 'transfer_to_human', arguments: { reason: 'refund' } },
      ],
      true,
    );
    expect(plan.results).toEqual([{ role: 'tool', toolCallId: 'e', content: ENDING_NOT_ALONE }]);
    expect(plan.actions.map((action) => action.toolCallId)).toEqual(['d']);
    expect(plan.afterSpeech).toBeNull();
    expect(plan.needsAnotherRound).toBe(true);
  });

  it('hands the business’s own tools to the gateway, and refuses an ending that comes with them', () => {
    const business = new Set(['lookup_order']);
    const plan = planToolCalls(
      [
        { id: 'c7', name: 'lookup_order', arguments: { order_id: 'A-1' } },
        { id: 'c8', name: 'end_call', arguments: {} },
      ],
      false,
      (name) => business.has(name),
    );
    expect(plan.business).toEqual([{ id: 'c7', name: 'lookup_order', arguments: { order_id: 'A-1' } }]);
    expect(plan.results).toEqual([{ role: 'tool', toolCallId: 'c8', content: ENDING_NOT_ALONE }]);
    expect(plan.afterSpeech).toBeNull();
    expect(plan.needsAnotherRound).toBe(true);
  });
});
