// GET /api/calls and GET /api/calls/:id over real HTTP against PostgreSQL:
// keyset pagination (stable, no duplicates or gaps, ties on created_at),
// every filter, transcript search with literal % and _, the detail of one
// call, and clear 400s for bad parameters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBusiness, startSystem, type TestSystem } from '../../support/test-system.js';
import { StaffClient, createStaffAccount, insertCall } from '../../support/staff-api.js';

let system: TestSystem;
let staff: StaffClient;
let businessA: string;
let businessB: string;

interface Page {
  calls: { id: string; createdAt: string; status: string; from: string | null; turnCount: number; hasRecording: boolean }[];
  nextCursor: string | null;
}

beforeAll(async () => {
  system = await startSystem();
  await system.waitReady();
  businessA = await createBusiness(system.prisma, 'Acme Dental', ['+19863334949']);
  businessB = await createBusiness(system.prisma, 'Other Co', ['+19863330000']);
  const account = await createStaffAccount(system.prisma, businessA, { email: 'dana@acme.example' });
  staff = new StaffClient(system.backend.url);
  expect((await staff.login(account.email, account.password)).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await system?.stop();
});

async function page(query: string): Promise<Page> {
  const answer = await staff.request('GET', `/api/calls${query}`);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body as Page;
}

async function ids(query: string): Promise<string[]> {
  return (await page(query)).calls.map((call) => call.id);
}

async function clearCalls(): Promise<void> {
  await system.prisma.callLog.deleteMany({});
}

describe('pagination', () => {
  it('walks every call once, newest first, with ties on created_at broken by id', async () => {
    await clearCalls();
    const base = Date.parse('2026-11-01T12:00:00.000Z');
    const expected: { id: string; createdAt: number }[] = [];
    // 47 calls; groups of 4 share the same millisecond.
    for (let i = 0; i < 47; i += 1) {
      const createdAt = base + Math.floor(i / 4) * 60_000;
      expected.push({ id: await insertCall(system.prisma, businessA, { createdAt: new Date(createdAt) }), createdAt });
    }
    await insertCall(system.prisma, businessB, { createdAt: new Date(base) });
    expected.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const result: Page = await page(`?limit=10${cursor ? `&cursor=${cursor}` : ''}`);
      pages += 1;
      seen.push(...result.calls.map((call) => call.id));
      if (pages === 2) {
        // A call arriving meanwhile does not shift the pages that follow.
        await insertCall(system.prisma, businessA, { createdAt: new Date(base + 3_600_000) });
      }
      cursor = result.nextCursor;
      expect(result.calls.length).toBe(cursor ? 10 : 7);
    } while (cursor);
    expect(pages).toBe(5);
    expect(seen).toEqual(expected.map((call) => call.id));
    expect(new Set(seen).size).toBe(47);
  });

  it('defaults to 25 per page and ends with a null cursor', async () => {
    const first = await page('');
    expect(first.calls).toHaveLength(25);
    expect(first.nextCursor).toEqual(expect.any(String));
    const all = await page('?limit=100');
    expect(all.calls).toHaveLength(48);
    expect(all.nextCursor).toBeNull();
  });
});

describe('filters', () => {
  const day = (date: string, hour: number) => new Date(`${date}T${String(hour).padStart(2, '0')}:00:00.000Z`);
  const calls: Record<string, string> = {};

  beforeAll(async () => {
    await clearCalls();
    calls.early = await insertCall(system.prisma, businessA, { createdAt: day('2026-11-01', 9), from: '+15551230000', turns: ['Hello', 'I need a cleaning'] });
    calls.failed = await insertCall(system.prisma, businessA, { createdAt: day('2026-11-02', 9), from: '+15559870000', status: 'failed', turns: ['I am 100% sure'] });
    calls.transferred = await insertCall(system.prisma, businessA, { createdAt: day('2026-11-02', 23), from: null, status: 'transferred', turns: ['100 percent, put me through'] });
    calls.outbound = await insertCall(system.prisma, businessA, { createdAt: day('2026-11-03', 9), from: '+442071234567', direction: 'outbound', turns: ['my user_name is dana'] });
    calls.late = await insertCall(system.prisma, businessA, { createdAt: day('2026-11-04', 9), from: '+15551239999', status: 'abandoned', turns: ['CLEANING please'] });
    calls.other = await insertCall(system.prisma, businessB, { createdAt: day('2026-11-02', 9), from: '+15551230000', turns: ['cleaning at the other business'] });
  });

  it('by date: dates are whole UTC days (both inclusive), instants are exact (to exclusive)', async () => {
    expect(await ids('?from=2026-11-02&to=2026-11-03')).toEqual([calls.outbound, calls.transferred, calls.failed]);
    expect(await ids('?from=2026-11-02T09:00:00Z&to=2026-11-03T09:00:00Z')).toEqual([calls.transferred, calls.failed]);
    expect(await ids('?from=2026-11-02T10:00:00%2B01:00')).toEqual([calls.late, calls.outbound, calls.transferred, calls.failed]);
    expect(await ids('?to=2026-11-01')).toEqual([calls.early]);
  });

  it('by one or more statuses, repeated or comma-separated', async () => {
    expect(await ids('?status=failed')).toEqual([calls.failed]);
    expect(await ids('?status=failed&status=abandoned')).toEqual([calls.late, calls.failed]);
    expect(await ids('?status=failed,transferred')).toEqual([calls.transferred, calls.failed]);
  });

  it('by direction', async () => {
    expect(await ids('?direction=outbound')).toEqual([calls.outbound]);
    expect(await ids('?direction=inbound')).toEqual([calls.late, calls.transferred, calls.failed, calls.early]);
  });

  it('by caller digits, whatever the formatting of the query', async () => {
    expect(await ids('?caller=555-123')).toEqual([calls.late, calls.early]);
    expect(await ids(`?caller=${encodeURIComponent('+1 (555) 987')}`)).toEqual([calls.failed]);
    expect(await ids('?caller=4420')).toEqual([calls.outbound]);
  });

  it('by text in the transcript, case-insensitive, with % and _ taken literally', async () => {
    expect(await ids('?q=cleaning')).toEqual([calls.late, calls.early]);
    expect(await ids('?q=100%25')).toEqual([calls.failed]);
    expect(await ids('?q=100')).toEqual([calls.transferred, calls.failed]);
    expect(await ids('?q=user_name')).toEqual([calls.outbound]);
    expect(await ids('?q=100_')).toEqual([]);
    expect(await ids('?q=user%25name')).toEqual([]);
    expect(await ids('?q=%25')).toEqual([calls.failed]);
    expect(await ids(`?q=${encodeURIComponent('\\')}`)).toEqual([]);
  });

  it('combines filters', async () => {
    expect(await ids('?q=cleaning&status=completed&caller=5551230000&from=2026-11-01&to=2026-11-01')).toEqual([calls.early]);
    expect(await ids('?q=cleaning&status=failed')).toEqual([]);
  });

  it('summarizes each call without server-side details', async () => {
    const [summary] = (await page('?status=failed')).calls;
    expect(summary).toEqual({
      id: calls.failed,
      direction: 'inbound',
      status: 'failed',
      from: '+15559870000',
      to: '+19863334949',
      createdAt: '2026-11-02T09:00:00.000Z',
      answeredAt: '2026-11-02T09:00:00.000Z',
      endedAt: '2026-11-02T09:01:00.000Z',
      durationMs: 60_000,
      hangupCause: 'caller_hangup',
      hasRecording: false,
      turnCount: 1,
      messageCount: 0,
      routedToHuman: false,
      transferOutcome: null,
      amdResult: null,
      engine: null,
    });
  });
});

describe('bad parameters', () => {
  const cases: [string, RegExp][] = [
    ['limit=0', /^invalid query: limit: /],
    ['limit=101', /^invalid query: limit: /],
    ['limit=ten', /^invalid query: limit: must be a number/],
    ['limit=2.5', /^invalid query: limit: must be a whole number/],
    ['from=yesterday', /^invalid query: from: must be an ISO 8601 date/],
    ['to=2026-13-45', /^invalid query: to: must be an ISO 8601 date/],
    ['from=2026-11-03&to=2026-11-02', /^invalid query: from must be before to$/],
    ['status=bogus', /^invalid query: status.0: must be one of /],
    ['direction=sideways', /^invalid query: direction: must be inbound or outbound$/],
    ['caller=abc', /^invalid query: caller: must contain digits$/],
    ['q=', /^invalid query: q: must not be empty$/],
    [`q=${'x'.repeat(201)}`, /^invalid query: q: must be at most 200 characters$/],
    ['cursor=garbage', /^invalid query: cursor is not a cursor this API returned$/],
    [`cursor=${Buffer.from('["2026-11-01T00:00:00.000Z","../../../etc"]').toString('base64url')}`, /cursor is not a cursor/],
    ['sort=asc', /^invalid query: unknown parameter\(s\) sort$/],
  ];
  for (const [query, message] of cases) {
    it(`answers 400 for ${query.slice(0, 40)}`, async () => {
      const answer = await staff.request('GET', `/api/calls?${query}`);
      expect(answer.status).toBe(400);
      const error = (answer.body as { error: { code: string; message: string } }).error;
      expect(error.code).toBe('bad_request');
      expect(error.message).toMatch(message);
    });
  }
});

describe('one call', () => {
  it('answers the call, its turns by seq with latencies and interruptions, and its messages', async () => {
    const createdAt = new Date('2026-11-05T15:00:00.000Z');
    const call = await system.prisma.callLog.create({
      data: {
        businessId: businessA,
        channelId: 'detail-channel',
        fromNumber: '+15551230000',
        toNumber: '+19863334949',
        status: 'completed',
        createdAt,
        answeredAt: createdAt,
        endedAt: new Date(createdAt.getTime() + 42_000),
        durationMs: 42_000,
        hangupCause: 'agent_hangup',
        hangupCauseCode: 16,
        bridgeId: 'bridge-secret',
        mediaChannelId: 'media-secret',
        recordingPath: '/var/lib/recordings/secret.wav',
        failureProvider: 'tts',
        failure: 'openai tts: 500',
        turns: {
          create: [
            { seq: 1, role: 'caller', text: 'I need to reschedule.', startedAt: new Date('2026-11-05T15:00:04.000Z'), endedAt: null },
            {
              seq: 0,
              role: 'agent',
              text: 'Thanks for calling.',
              startedAt: new Date('2026-11-05T15:00:01.000Z'),
              endedAt: new Date('2026-11-05T15:00:03.000Z'),
            },
            {
              seq: 2,
              role: 'agent',
              text: 'Sure,',
              startedAt: new Date('2026-11-05T15:00:06.000Z'),
              endedAt: new Date('2026-11-05T15:00:06.500Z'),
              interrupted: true,
              sttFinalMs: 150,
              llmFirstTokenMs: null,
              ttsFirstAudioMs: 600,
              voiceToVoiceMs: 640,
            },
          ],
        },
        messages: { create: [{ callerName: 'Dana Smith', callbackNumber: '+15551239876', reason: 'Move the cleaning.' }] },
      },
    });
    const answer = await staff.request('GET', `/api/calls/${call.id}`);
    expect(answer.status).toBe(200);
    const body = answer.body as { call: Record<string, unknown>; turns: unknown[]; messages: unknown[] };
    expect(body.call).toEqual({
      id: call.id,
      direction: 'inbound',
      status: 'completed',
      from: '+15551230000',
      to: '+19863334949',
      createdAt: '2026-11-05T15:00:00.000Z',
      answeredAt: '2026-11-05T15:00:00.000Z',
      endedAt: '2026-11-05T15:00:42.000Z',
      durationMs: 42_000,
      hangupCause: 'agent_hangup',
      hangupCauseCode: 16,
      hasRecording: true,
      turnCount: 3,
      messageCount: 1,
      engine: null,
      error: null,
      transferTarget: null,
      transferOutcome: null,
      routedToHuman: false,
      amdResult: null,
      amdCause: null,
      outboundPurpose: null,
      failure: { provider: 'tts', error: 'openai tts: 500' },
      recordingUrl: `/api/calls/${call.id}/recording`,
      recordingDeletedAt: null,
      transcriptDeletedAt: null,
    });
    expect(body.turns).toEqual([
      { seq: 0, role: 'agent', text: 'Thanks for calling.', startedAt: '2026-11-05T15:00:01.000Z', endedAt: '2026-11-05T15:00:03.000Z', interrupted: false, latency: null },
      { seq: 1, role: 'caller', text: 'I need to reschedule.', startedAt: '2026-11-05T15:00:04.000Z', endedAt: null, interrupted: false, latency: null },
      {
        seq: 2,
        role: 'agent',
        text: 'Sure,',
        startedAt: '2026-11-05T15:00:06.000Z',
        endedAt: '2026-11-05T15:00:06.500Z',
        interrupted: true,
        latency: { sttFinalMs: 150, llmFirstTokenMs: null, ttsFirstAudioMs: 600, voiceToVoiceMs: 640 },
      },
    ]);
    expect(body.messages).toEqual([
      { id: expect.any(String), callerName: 'Dana Smith', callbackNumber: '+15551239876', reason: 'Move the cleaning.', createdAt: expect.any(String) },
    ]);
    const text = JSON.stringify(answer.body);
    for (const secret of ['bridge-secret', 'media-secret', 'detail-channel', '/var/lib/recordings']) expect(text).not.toContain(secret);
  });
});
