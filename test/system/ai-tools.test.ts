// The tools the LLM may call, end to end: the gateway asks the backend, the
// backend acts through ARI (fake) and the database.
import { afterEach, describe, expect, it } from 'vitest';
import { FIRST_UTTERANCE, placeBridgedCall, startAiSystem, turnWhere, type AiSystem } from '../support/test-system.js';
import { waitFor } from '../kit/wait.js';

let ai: AiSystem | null = null;
afterEach(async () => {
  await ai?.stop();
  ai = null;
});

async function callerAsks(system: AiSystem, text: string): Promise<{ channelId: string; mediaId: string }> {
  const call = await placeBridgedCall(system);
  await turnWhere(system, call.channelId, (t) => t.seq === 0, 'the greeting turn');
  system.deepgram.queueTranscripts([text]);
  system.system.fake.startCallerAudio(call.mediaId, { payload: FIRST_UTTERANCE });
  return call;
}

function finalRow(system: AiSystem, channelId: string) {
  return waitFor(async () => {
    const row = await system.system.prisma.callLog.findUnique({ where: { channelId } });
    return row && !['ringing', 'answered'].includes(row.status) ? row : null;
  }, { what: 'the final call row', timeoutMs: 15_000 });
}

describe('AI tools', () => {
  it('end_call: the goodbye is played, then the backend hangs up', async () => {
    ai = await startAiSystem();
    ai.openai.respond(() => ({ text: 'Thank you for calling, goodbye!', toolCalls: [{ name: 'end_call', arguments: { reason: 'done' } }] }));
    const { channelId } = await callerAsks(ai, 'That is all, thanks.');
    const row = await finalRow(ai, channelId);
    expect(row).toMatchObject({ status: 'completed', hangupCause: 'agent_hangup' });
    expect(ai.system.fake.channel(channelId)?.hungUpBy).toBe('app');
    const goodbye = await turnWhere(ai, channelId, (t) => t.role === 'agent' && t.seq > 1, 'the goodbye turn');
    expect(goodbye).toMatchObject({ text: 'Thank you for calling, goodbye!', interrupted: false });
    // The hang-up came after the goodbye was played, not before.
    expect(row.endedAt!.getTime()).toBeGreaterThanOrEqual(goodbye.endedAt!.getTime());
  });

  it('transfer_to_human: the caller is sent to the business transfer target', async () => {
    ai = await startAiSystem({ transferTarget: 'PJSIP/100' });
    ai.openai.respond(() => ({
      text: 'Let me get someone for you.',
      toolCalls: [{ name: 'transfer_to_human', arguments: { reason: 'asked for a person' } }],
    }));
    const { channelId } = await callerAsks(ai, 'Can I talk to a person?');
    const row = await finalRow(ai, channelId);
    expect(row).toMatchObject({ status: 'transferred', transferTarget: 'PJSIP/100', hangupCause: 'transferred' });
    const caller = ai.system.fake.channel(channelId);
    expect(caller?.hungUpBy).toBeNull();
    expect(caller?.continuedTo).toEqual({ context: 'prosaas-transfer', exten: 's', priority: 1 });
    // The transfer tool is offered only because the business has a target.
    const tools = (ai.openai.chatRequests()[0]!.body as { tools: { function: { name: string } }[] }).tools.map((t) => t.function.name);
    expect(tools).toContain('transfer_to_human');
  });

  it('take_message: the message is stored on the call and the agent confirms it', async () => {
    ai = await startAiSystem({ transferTarget: null });
    ai.openai.queueReplies(
      {
        toolCalls: [
          { name: 'take_message', arguments: { caller_name: 'Ann Lee', callback_number: '+1 555 123 4567', reason: 'Test results' } },
        ],
      },
      { text: 'I have passed your message on.' },
    );
    const { channelId } = await callerAsks(ai, 'Please ask the doctor to call me back.');
    await turnWhere(ai, channelId, (t) => t.role === 'agent' && t.text === 'I have passed your message on.', 'the confirmation');
    const call = await ai.system.prisma.callLog.findUniqueOrThrow({ where: { channelId } });
    const messages = await ai.system.prisma.callMessage.findMany({ where: { callId: call.id } });
    expect(messages).toMatchObject([{ callerName: 'Ann Lee', callbackNumber: '+1 555 123 4567', reason: 'Test results' }]);
    const tools = (ai.openai.chatRequests()[0]!.body as { tools: { function: { name: string } }[] }).tools.map((t) => t.function.name);
    expect(tools).not.toContain('transfer_to_human');
    const second = ai.openai.chatRequests()[1]!.body as { messages: { role: string; tool_call_id?: string; content: string }[] };
    expect(second.messages.at(-1)).toMatchObject({ role: 'tool', content: 'Done.' });
  });
});
