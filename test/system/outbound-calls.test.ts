// Outbound AI calls end to end: the operator's API places the call, the backend
// originates through the trunk (ARI fake), the far end answers, is busy or does
// not answer as a real Asterisk reports it, the dialplan's AMD() step (the fake's
// dialplan step) hands back its verdict, and a person gets the agent while a
// machine gets the business's voicemail message.
import { afterEach, describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN, adminRequest } from '../support/staff-api.js';
import { FIRST_UTTERANCE, startAiSystem, turnWhere, type AiSystem } from '../support/test-system.js';
import { finalCallRow } from '../kit/calls.js';
import { waitFor } from '../kit/wait.js';

const CALLED = '+15557654321';
const CALLER_ID = '+19863334949';

let ai: AiSystem | null = null;
afterEach(async () => {
  await ai?.stop();
  ai = null;
});

async function start(voicemailMessage: string | null = null): Promise<AiSystem> {
  ai = await startAiSystem({ system: { backendEnv: { OPERATOR_TOKEN, OUTBOUND_RING_TIMEOUT_S: '5' } } });
  // Open all day, every day: the test must not depend on the hour it runs at.
  await ai.system.prisma.business.update({
    where: { id: ai.businessId },
    data: { outboundWindowStart: '00:00', outboundWindowEnd: '00:00', outboundDays: 'sun,mon,tue,wed,thu,fri,sat', voicemailMessage },
  });
  return ai;
}

async function placeCall(system: AiSystem, body: unknown = { to: CALLED, purpose: { instructions: 'Remind {{name}} of the cleaning on Friday.', variables: { name: 'Dana' } } }) {
  return adminRequest(system.system.backend.url, 'POST', `/admin/api/businesses/${system.businessId}/calls`, body);
}

async function channelOf(system: AiSystem, callId: string): Promise<string> {
  const row = await system.system.prisma.callLog.findUniqueOrThrow({ where: { id: callId } });
  return row.channelId;
}

function amdStep(status: string, cause: string) {
  return { variables: { AMDSTATUS: status, AMDCAUSE: cause }, then: { kind: 'stasis' as const, args: ['outbound', status, cause] } };
}

describe('outbound AI calls', { timeout: 60_000 }, () => {
  it('a person answers: AMD says HUMAN, the agent speaks with the call\'s purpose, the row says outbound', async () => {
    const system = await start();
    system.system.fake.setCallee(/@twilio-out$/, { kind: 'answer' });
    system.system.fake.setDialplan('prosaas-outbound', amdStep('HUMAN', 'HUMAN-200-500'));
    const placed = await placeCall(system);
    expect(placed.status).toBe(202);
    const { callId } = placed.body as { callId: string };
    expect(placed.body).toEqual({ callId, status: 'dialing', from: CALLER_ID, to: CALLED });
    const channelId = await channelOf(system, callId);

    const callee = system.system.fake.channel(channelId);
    expect(callee).toMatchObject({ kind: 'outbound', endpoint: `PJSIP/${CALLED}@twilio-out` });
    // The AMD step ran, then the callee was bridged with the agent's externalMedia channel.
    const bridge = await waitFor(() => system.system.fake.bridges().find((b) => b.channels.includes(channelId) && b.channels.length === 2), {
      what: 'the callee bridged with the agent',
    });
    expect(system.system.fake.channel(channelId)?.continuedTo).toEqual({ context: 'prosaas-outbound', exten: 's', priority: 1 });
    const greeting = await turnWhere(system, channelId, (t) => t.seq === 0 && t.role === 'agent', 'the agent\'s opening');
    expect(greeting.text).toBe('Hello, this is the virtual assistant of Acme Dental.');
    // The callee answers back: the LLM is asked with the call's purpose, variables filled in.
    system.openai.respond(() => ({ text: 'I am calling about your cleaning on Friday.' }));
    system.deepgram.queueTranscripts(['Yes, who is this?']);
    system.system.fake.startCallerAudio(bridge.channels.find((id) => id !== channelId)!, { payload: FIRST_UTTERANCE });
    await turnWhere(system, channelId, (t) => t.role === 'agent' && t.text === 'I am calling about your cleaning on Friday.', 'the agent\'s answer');
    const prompt = JSON.stringify(system.openai.chatRequests()[0]!.body);
    expect(prompt).toContain('Remind Dana of the cleaning on Friday.');
    expect(prompt).toContain(`you called ${CALLED} on behalf of Acme Dental`);

    system.system.fake.hangupCaller(channelId);
    const row = await finalCallRow(system.system.prisma, channelId);
    expect(row).toMatchObject({
      direction: 'outbound',
      fromNumber: CALLER_ID,
      toNumber: CALLED,
      status: 'completed',
      hangupCause: 'caller_hangup',
      amdResult: 'human',
      amdCause: 'HUMAN-200-500',
      outboundPurpose: 'Remind {{name}} of the cleaning on Friday.',
      requestedBy: 'operator',
    });
    expect(row.answeredAt).not.toBeNull();
    expect(system.system.fake.violations).toEqual([]);
  });

  it('a machine answers: the voicemail message is played, then the backend hangs up', async () => {
    const system = await start('Hello {{name}}, this is Acme Dental about your cleaning. Please call us back.');
    system.system.fake.setCallee(/@twilio-out$/, { kind: 'answer' });
    system.system.fake.setDialplan('prosaas-outbound', amdStep('MACHINE', 'LONGGREETING-1600-1500'));
    const placed = await placeCall(system);
    const channelId = await channelOf(system, (placed.body as { callId: string }).callId);
    const row = await finalCallRow(system.system.prisma, channelId, { timeoutMs: 20_000 });
    expect(row).toMatchObject({ direction: 'outbound', status: 'completed', hangupCause: 'voicemail_left', amdResult: 'machine', amdCause: 'LONGGREETING-1600-1500' });
    expect(system.system.fake.channel(channelId)?.hungUpBy).toBe('app');
    // The message was synthesized with the variables filled in; no conversation took place.
    const spoken = system.deepgram.flushes().map((flush) => flush.text).join(' ');
    expect(spoken).toContain('Hello Dana, this is Acme Dental about your cleaning. Please call us back.');
    // All of it reached the line before the hang-up.
    const message = system.deepgram.flushes().find((flush) => flush.text.includes('Hello Dana'))!;
    expect(message.audioBytesSent).toBe(message.audioBytesTotal);
    expect(system.openai.chatRequests()).toEqual([]);
  });

  it('a machine answers and the business leaves no message: the backend hangs up at once', async () => {
    const system = await start(null);
    system.system.fake.setCallee(/@twilio-out$/, { kind: 'answer' });
    system.system.fake.setDialplan('prosaas-outbound', amdStep('MACHINE', 'INITIALSILENCE-2500-2500'));
    const placed = await placeCall(system);
    const channelId = await channelOf(system, (placed.body as { callId: string }).callId);
    const row = await finalCallRow(system.system.prisma, channelId);
    expect(row).toMatchObject({ status: 'completed', hangupCause: 'machine_detected', amdResult: 'machine' });
    expect(system.system.fake.channel(channelId)?.hungUpBy).toBe('app');
    expect(system.deepgram.flushes()).toEqual([]);
  });

  it.each([
    ['busy', { kind: 'busy' as const }, { status: 'busy', hangupCause: 'busy', hangupCauseCode: 17 }],
    ['declined', { kind: 'reject' as const }, { status: 'busy', hangupCause: 'call_rejected', hangupCauseCode: 21 }],
    ['not answered', { kind: 'ring' as const }, { status: 'no_answer', hangupCause: 'no_answer', hangupCauseCode: 19 }],
  ])('the far end is %s: the row says so and nothing else happens', async (_name, behaviour, expected) => {
    const system = await start();
    system.system.fake.setCallee(/@twilio-out$/, behaviour);
    const placed = await placeCall(system);
    expect(placed.status).toBe(202);
    const channelId = await channelOf(system, (placed.body as { callId: string }).callId);
    const row = await finalCallRow(system.system.prisma, channelId, { timeoutMs: 20_000 });
    expect(row).toMatchObject({ direction: 'outbound', answeredAt: null, amdResult: null, ...expected });
    expect(system.system.fake.bridges()).toEqual([]);
    expect(system.system.fake.channel(channelId)?.continuedTo ?? null).toBeNull();
  });

  it('refuses a number on the do-not-call list, and calls beyond the concurrency limit, storing nothing', async () => {
    const system = await start();
    const url = system.system.backend.url;
    expect((await adminRequest(url, 'POST', `/admin/api/businesses/${system.businessId}/do-not-call`, { e164: CALLED, reason: 'asked not to be called' })).status).toBe(201);
    const refused = await placeCall(system);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: { code: 'do_not_call' } });

    await system.system.prisma.business.update({ where: { id: system.businessId }, data: { outboundMaxConcurrent: 1 } });
    system.system.fake.setCallee(/@twilio-out$/, { kind: 'ring' });
    const other = { to: '+15557650000', purpose: { instructions: 'Confirm the appointment.' } };
    expect((await placeCall(system, other)).status).toBe(202);
    const second = await placeCall(system, { ...other, to: '+15557650001' });
    expect(second.status).toBe(429);
    expect(second.body).toMatchObject({ error: { code: 'call_limit' } });
    expect(await system.system.prisma.callLog.count({ where: { businessId: system.businessId, direction: 'outbound' } })).toBe(1);
  });
});
