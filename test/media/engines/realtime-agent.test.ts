// The Realtime agent over the real `openai` SDK's realtime client and the
// Realtime fake (every client event validated against the published schema):
// the slin path (8 kHz L16 resampled to and from pcm16 at 24 kHz), local turn
// detection (our VAD commits and asks for the answer), and a socket that drops
// mid-call (a new session given the conversation so far; the call goes on)
// or stays down (the apology and the transfer).
import { describe, expect, it, type TestContext } from 'vitest';
import type { ConnectionRecord } from '../../fakes/openai-realtime/index.js';
import { waitUntil } from '../../kit/wait.js';
import { startRealtimeAgent, GREETING, type RealtimeHarness, type RealtimeHarnessOptions } from '../../support/doubles/realtime-agent-harness.js';
import { firstUtterance } from '../../system/caller-utterances.js';

async function started(context: TestContext, options: RealtimeHarnessOptions = {}): Promise<RealtimeHarness> {
  const harness = await startRealtimeAgent(options);
  context.onTestFinished(() => harness.stop());
  return harness;
}

const ANSWER = 'We open at eight in the morning and close at six in the evening.';
const events = (connection: ConnectionRecord, type: string) => connection.clientEvents.filter((event) => event.type === type);
const items = (connection: ConnectionRecord) => events(connection, 'conversation.item.create').map((event) => event.event.item as Record<string, unknown>);
const refused = (connection: ConnectionRecord) => connection.clientEvents.filter((event) => event.error !== null);

describe.concurrent('the Realtime agent', () => {
  it('slin line: pcm16 at 24 kHz both ways, the caller heard by the server VAD, the answer played back at 8 kHz', async (context) => {
    const h = await started(context, { format: 'slin' });
    h.realtime.queueReplies({ text: ANSWER });
    h.realtime.queueTranscripts('When do you open?');
    await h.greeted();
    const connection = h.realtime.connections[0]!;
    expect(connection.session).toMatchObject({ audio: { input: { format: { type: 'audio/pcm', rate: 24000 } }, output: { format: { type: 'audio/pcm', rate: 24000 } } } });
    const heardBefore = h.line.heard.length;
    h.line.say(firstUtterance());
    const answer = await h.turn((t) => t.role === 'agent' && t.text === ANSWER, 'the answer');
    expect(answer.interrupted).toBe(false);
    // 3 s of caller audio reached the server as 24 kHz pcm16 (its VAD measured it in its own time).
    expect(connection.inputAudioMs).toBeGreaterThan(2_500);
    await h.turn((t) => t.role === 'caller' && t.text === 'When do you open?', 'the caller transcript');
    // The answer was heard (it is stored once all of it was sent): voiced packets, about as long as the server's audio.
    const response = connection.responses[0]!;
    expect(response.status).toBe('completed');
    const voiced = h.line.heard.slice(heardBefore).filter((packet) => packet.rms > 300).length;
    expect(voiced).toBeGreaterThan((response.audioMsSent / 20) * 0.5);
    expect(voiced).toBeLessThanOrEqual(Math.ceil(response.audioMsSent / 20) + 1);
    expect(refused(connection)).toEqual([]);
  });

  it('local turn detection: no server VAD; our VAD commits the caller turn and asks for the answer', async (context) => {
    const h = await started(context, { turnDetection: 'local' });
    h.realtime.queueReplies({ text: ANSWER });
    h.realtime.queueTranscripts('When do you open?');
    await h.greeted();
    const connection = h.realtime.connections[0]!;
    expect((connection.session.audio as { input: { turn_detection: unknown } }).input.turn_detection).toBeNull();
    h.line.say(firstUtterance());
    await h.turn((t) => t.role === 'agent' && t.text === ANSWER, 'the answer');
    // The server's VAD said nothing: the turn ended by our commit, then our response.create.
    expect(connection.serverEventTypes).not.toContain('input_audio_buffer.speech_started');
    const commits = events(connection, 'input_audio_buffer.commit');
    expect(commits.length).toBeGreaterThanOrEqual(1);
    const created = events(connection, 'response.create')[0]!;
    expect(created.atMs).toBeGreaterThan(commits[0]!.atMs);
    await h.turn((t) => t.role === 'caller' && t.text === 'When do you open?', 'the caller transcript');
    expect(refused(connection)).toEqual([]);
  });

  it('a socket dropped mid-answer: a new session gets the conversation so far and the answer goes on', async (context) => {
    const h = await started(context);
    const first = 'Sure, we are open every weekday from eight until six.';
    h.realtime.queueReplies({ text: first }, { text: 'and on Saturdays until noon.' }, { text: 'You are welcome.' });
    h.realtime.queueTranscripts('When do you open?', 'Thank you.');
    h.realtime.failNextResponse({ dropAfterAudioDeltas: 2 });
    await h.greeted();
    h.line.say(firstUtterance());
    await h.realtime.waitFor(() => h.realtime.connections.length === 2 && h.realtime.connections[1]!.responses.length === 1, { what: 'the answer asked again on a new session', timeoutMs: 20_000 });
    const [old, renewed] = h.realtime.connections as [ConnectionRecord, ConnectionRecord];
    expect(old.closedAtMs).not.toBeNull();
    // The new session: the instructions and tools again, then the conversation as items, before the answer is asked for.
    const update = events(renewed, 'session.update')[0]!.event.session as { instructions: string; tools: { name: string }[] };
    expect(update.instructions).toBe((events(old, 'session.update')[0]!.event.session as { instructions: string }).instructions);
    expect(update.tools.map((tool) => tool.name)).toEqual(['end_call', 'transfer_to_human', 'take_message']);
    const seeded = items(renewed);
    expect(seeded[0]).toMatchObject({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: GREETING }] });
    expect(seeded[1]).toMatchObject({ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'When do you open?' }] });
    // What arrived of the cut answer, so that the model goes on from it.
    const partial = (seeded[2]?.content as { text: string }[] | undefined)?.[0]?.text ?? '';
    expect(seeded[2]).toMatchObject({ role: 'assistant' });
    expect(first.startsWith(partial)).toBe(true);
    expect(partial.length).toBeGreaterThan(0);
    const lastSeed = renewed.clientEvents.findLastIndex((event) => event.type === 'conversation.item.create');
    expect(renewed.clientEvents.findIndex((event) => event.type === 'response.create')).toBeGreaterThan(lastSeed);

    // One agent turn: what was heard before the drop and the rest from the new session.
    const answer = await h.turn((t) => t.role === 'agent' && t.seq > 1, 'the answer');
    expect(answer.text).toBe(`${partial} and on Saturdays until noon.`);
    expect(h.metrics.recoveries('llm')).toBe(1);

    // The call goes on over the new session.
    h.line.say(firstUtterance());
    await h.turn((t) => t.role === 'agent' && t.text === 'You are welcome.', 'the next answer');
    expect(h.backend.failures).toEqual([]);
    expect(h.backend.actions).toEqual([]);
    expect(refused(renewed)).toEqual([]);
  });

  it('a server that stays down after the drop: the apology, then the transfer, with the failure reported', async (context) => {
    const h = await started(context);
    h.realtime.queueReplies({ text: ANSWER });
    h.realtime.failNextResponse({ dropAfterAudioDeltas: 1 });
    await h.greeted();
    h.realtime.refuseConnections(503);
    h.line.say(firstUtterance());
    await h.turn((t) => t.role === 'agent' && /sorry/i.test(t.text), 'the apology');
    await waitUntil(() => h.backend.actions.some((a) => a.action.type === 'transfer'), { what: 'the transfer' });
    expect(h.backend.failures).toMatchObject([{ provider: 'llm', error: expect.stringMatching(/realtime connection refused with HTTP 503/) }]);
    // Each backoff step tried once: bounded.
    expect(h.realtime.refusedHandshakes).toEqual([503, 503, 503]);
    expect(h.metrics.recoveries('llm')).toBe(0);
  });
});
