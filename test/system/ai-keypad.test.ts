// Keys the caller presses, through the whole system: the ARI fake sends
// ChannelDtmfReceived on the caller's channel as Asterisk does, the backend
// passes each key to the gateway session, the agent acts on it, and the keys
// are stored on the caller's turn.
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatRequestView } from '../fakes/openai/index.js';
import { FIRST_UTTERANCE, placeBridgedCall, startAiSystem, turnWhere, type AiSystem } from '../support/test-system.js';
import { waitFor, waitUntil } from '../kit/wait.js';

let ai: AiSystem | null = null;
afterEach(async () => {
  await ai?.stop();
  ai = null;
});

const VOICED_RMS = 300;
const LONG_ANSWER =
  'To reach billing, press one. For appointments, press two. For anything else, stay on the line and tell me what you need.';

async function greeted(system: AiSystem) {
  const call = await placeBridgedCall(system);
  await turnWhere(system, call.channelId, (t) => t.seq === 0 && t.endedAt !== null, 'the greeting turn');
  return call;
}

const lastUser = (request: ChatRequestView): string => {
  const content = request.messages.filter((m) => m['role'] === 'user').at(-1)?.['content'];
  return typeof content === 'string' ? content : '';
};

describe('keys the caller presses', () => {
  it('a key the business mapped transfers at once, without the language model', async () => {
    ai = await startAiSystem({ transferTarget: 'PJSIP/100' });
    await ai.system.prisma.business.update({ where: { id: ai.businessId }, data: { keypadActions: '{"0":"transfer"}' } });
    const { channelId } = await greeted(ai);
    ai.system.fake.pressKey(channelId, '0');
    const row = await waitFor(async () => {
      const found = await ai!.system.prisma.callLog.findUnique({ where: { channelId } });
      return found?.status === 'transferred' ? found : null;
    }, { what: 'the transferred call', timeoutMs: 15_000 });
    expect(row.transferTarget).toBe('PJSIP/100');
    expect(ai.system.fake.channel(channelId)?.continuedTo).toEqual({ context: 'prosaas-transfer', exten: 's', priority: 1 });
    const key = await turnWhere(ai, channelId, (t) => t.role === 'caller', 'the caller turn of the key');
    expect(key).toMatchObject({ text: 'The caller pressed 0 on the keypad.', dtmf: '0' });
    expect(ai.openai.chatRequests()).toHaveLength(0);
    expect(ai.system.fake.violations).toEqual([]);
  });

  it('keys pressed in silence reach the model as words and are stored on the caller turn', async () => {
    ai = await startAiSystem();
    ai.openai.respond((request) => ({ text: lastUser(request).includes('1 2 3') ? 'Account one two three, found it.' : 'Sorry?' }));
    const { channelId } = await greeted(ai);
    for (const digit of ['1', '2', '3', '#']) ai.system.fake.pressKey(channelId, digit);
    await turnWhere(ai, channelId, (t) => t.role === 'agent' && t.text === 'Account one two three, found it.', 'the answer');
    const keys = await turnWhere(ai, channelId, (t) => t.role === 'caller', 'the caller turn');
    expect(keys).toMatchObject({ text: 'The caller pressed 1 2 3 on the keypad.', dtmf: '123' });
    expect(ai.openai.chatRequests()).toHaveLength(1);
  });

  it('a key pressed while the agent talks stops it, and the entry is answered', async () => {
    ai = await startAiSystem();
    ai.openai.respond((request) => ({ text: lastUser(request).includes('pressed 2') ? 'Appointments, sure.' : LONG_ANSWER }));
    const { channelId, mediaId } = await greeted(ai);
    ai.deepgram.queueTranscripts(['What are my options?']);
    const asked = performance.now();
    ai.system.fake.startCallerAudio(mediaId, { payload: FIRST_UTTERANCE });
    await waitUntil(() => ai!.system.fake.rtpHeard(mediaId).filter((p) => p.atMs > asked + 3_000 && p.rms > VOICED_RMS).length > 25, {
      what: 'half a second of the menu',
      timeoutMs: 15_000,
    });
    ai.system.fake.pressKey(channelId, '2');
    const interrupted = await turnWhere(ai, channelId, (t) => t.role === 'agent' && t.interrupted, 'the interrupted menu');
    expect(LONG_ANSWER.startsWith(interrupted.text)).toBe(true);
    expect(interrupted.text.length).toBeLessThan(LONG_ANSWER.length);
    await turnWhere(ai, channelId, (t) => t.role === 'agent' && t.text === 'Appointments, sure.', 'the answer to the key');
    expect(ai.openai.violations).toEqual([]);
  });
});
