// Warm transfer end to end: the agent's transfer tool, the caller on hold in the
// call's bridge, the backend originating the person's leg (ARI fake), the
// announcement spoken on that leg through the gateway, then caller and person
// bridged; or, when the person does not take the call, the caller back with an
// agent that offers to take a message.
import { afterEach, describe, expect, it } from 'vitest';
import { DIALED, FIRST_UTTERANCE, startAiSystem, turnWhere, type AiSystem } from '../support/test-system.js';
import { finalCallRow, placeBridgedCall } from '../kit/calls.js';
import { waitFor } from '../kit/wait.js';

const SUMMARY = 'Dana Smith wants to move her cleaning to Friday';

/** A slow machine may take long to set a call up: the bound is generous, the wait ends when it is bridged. */
const CALL = { from: '+15551230000', to: DIALED };

let ai: AiSystem | null = null;
afterEach(async () => {
  await ai?.stop();
  ai = null;
});

async function startWarm(): Promise<AiSystem> {
  ai = await startAiSystem({ transferTarget: 'PJSIP/100' });
  await ai.system.prisma.business.update({ where: { id: ai.businessId }, data: { transferMode: 'warm' } });
  return ai;
}

/** A call whose caller asks for a person; the agent answers with the transfer tool. */
async function callerAsksForPerson(system: AiSystem): Promise<{ channelId: string; mediaId: string }> {
  system.openai.queueReplies({ text: 'Let me connect you with someone.', toolCalls: [{ name: 'transfer_to_human', arguments: { reason: SUMMARY } }] });
  const call = await placeBridgedCall(system.system.fake, CALL, { timeoutMs: 30_000 });
  await turnWhere(system, call.channelId, (t) => t.seq === 0, 'the greeting turn');
  system.deepgram.queueTranscripts(['Can I talk to a person about moving my cleaning?']);
  system.system.fake.startCallerAudio(call.mediaId, { payload: FIRST_UTTERANCE });
  return call;
}

function personLeg(system: AiSystem) {
  return waitFor(() => system.system.fake.channels().find((c) => c.kind === 'outbound' && c.endpoint === 'PJSIP/100'), { what: 'the person\'s leg' });
}

describe('warm transfer', () => {
  it('the person answers: hears who is calling and why, then talks with the caller; the gateway leaves the call', async () => {
    const system = await startWarm();
    system.system.fake.setCallee('PJSIP/100', { kind: 'answer' });
    const { channelId, mediaId } = await callerAsksForPerson(system);
    const person = await personLeg(system);

    // Connected: caller and person alone in the call's bridge, the agent's externalMedia gone.
    const bridge = await waitFor(
      () => system.system.fake.bridges().find((b) => b.channels.includes(channelId) && b.channels.includes(person.id) && b.channels.length === 2),
      { what: 'caller and person bridged', timeoutMs: 20_000 },
    );
    expect(bridge.moh).toBeNull();
    await waitFor(() => (system.system.fake.channel(mediaId)?.live === false ? true : null), { what: 'the agent\'s externalMedia channel gone' });
    // The person heard the announcement, whole, before being bridged.
    const announcement = system.deepgram.flushes().find((flush) => flush.text.includes(SUMMARY));
    expect(announcement?.text).toBe(`Hello, this is the Acme Dental assistant. I have a caller on the line from 1 555 123 0000. ${SUMMARY}. Connecting you now.`);
    expect(announcement!.audioBytesSent).toBe(announcement!.audioBytesTotal);
    expect(system.system.fake.bridges()).toHaveLength(1);

    // The caller hangs up: the person's leg is hung up too, the row is final.
    system.system.fake.hangupCaller(channelId);
    const row = await finalCallRow(system.system.prisma, channelId);
    expect(row).toMatchObject({ status: 'transferred', transferTarget: 'PJSIP/100', transferOutcome: 'connected' });
    await waitFor(() => (system.system.fake.channel(person.id)?.live === false ? true : null), { what: 'the person\'s leg hung up' });
    expect(system.system.fake.violations).toEqual([]);
  }, 90_000);

  it.each([
    ['declines', { kind: 'reject' as const }, 'declined', "I'm sorry, nobody can take your call at the moment."],
    ['is busy', { kind: 'busy' as const }, 'busy', "I'm sorry, everyone is busy on other calls right now."],
  ])('the person %s: the caller is back with the agent, who offers to take a message', async (_name, behaviour, outcome, apology) => {
    const system = await startWarm();
    system.system.fake.setCallee('PJSIP/100', behaviour);
    const { channelId } = await callerAsksForPerson(system);
    const back = await turnWhere(system, channelId, (t) => t.role === 'agent' && t.text.startsWith(apology), 'the agent taking the caller back');
    expect(back.text).toContain('I can take a message');
    // The caller is bridged with an agent again, and hears no music any more.
    const bridge = await waitFor(() => system.system.fake.bridges().find((b) => b.channels.includes(channelId) && b.channels.length === 2), { what: 'the caller back with the agent' });
    expect(bridge.moh).toBeNull();
    expect(system.system.fake.channel(bridge.channels.find((id) => id !== channelId)!)?.kind).toBe('external-media');

    system.system.fake.hangupCaller(channelId);
    const row = await finalCallRow(system.system.prisma, channelId);
    expect(row).toMatchObject({ status: 'completed', hangupCause: 'caller_hangup', transferOutcome: outcome, transferTarget: 'PJSIP/100' });
    expect(system.system.fake.violations).toEqual([]);
  }, 90_000);
});
