// A business's conversation engine and VAD mode: set through the admin API
// (validated, defaults filled in, clear errors), through the admin CLI, stored
// in its columns, read back by the call router into the session contract, and
// a value edited by hand that no longer parses falls back to the cascade.
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminServices } from '../../../src/admin/admin-services.js';
import { prismaBusinessDirectory } from '../../../src/calls/business-directory.js';
import { createDb, type Db } from '../../../src/db/index.js';
import { buildApp } from '../../../src/http/app.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { OPERATOR_TOKEN } from '../../support/staff-api.js';
import { runTsx } from '../../kit/child-run.js';

const CLI = fileURLToPath(new URL('../../../src/admin/cli.ts', import.meta.url));
const BUSINESS = {
  name: 'Engine Dental',
  timezone: 'UTC',
  greeting: 'Thanks for calling.',
  systemPrompt: 'You answer the phone.',
  voice: 'aura-2-thalia-en',
};

let database: TestDatabase;
let db: Db;
let app: ReturnType<typeof buildApp>;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url);
  app = buildApp({
    logger: pino({ level: 'silent' }),
    readiness: [],
    internal: { token: 'gateway-token-0123456789', api: () => null },
    admin: { operatorToken: OPERATOR_TOKEN, services: () => createAdminServices({ prisma: db.prisma } as Parameters<typeof createAdminServices>[0]) },
  });
});

afterAll(async () => {
  await app?.close();
  await db?.close();
  await database?.drop();
});

async function api(method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const answer = await app.inject({
    method,
    url: `/admin/api${url}`,
    headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: answer.statusCode, body: answer.json<Record<string, unknown>>() };
}

const messageOf = (body: Record<string, unknown>): string => (body.error as { message: string }).message;

describe('engine per business (admin API)', () => {
  it('creates a business on the cascade with the energy VAD by default', async () => {
    const created = await api('POST', '/businesses', BUSINESS);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ engine: { name: 'cascade' }, vadMode: 'energy' });
    const row = await db.prisma.business.findUniqueOrThrow({ where: { id: created.body.id as string } });
    expect(row).toMatchObject({ engine: 'cascade', engineSettings: {}, vadMode: 'energy' });
  });

  it('sets the Realtime engine with its defaults, then settings of its own, and the VAD mode', async () => {
    const { body } = await api('POST', '/businesses', BUSINESS);
    const id = body.id as string;
    const realtime = await api('PATCH', `/businesses/${id}`, { engine: { name: 'openai-realtime' } });
    expect(realtime.status).toBe(200);
    expect(realtime.body.engine).toEqual({ name: 'openai-realtime', model: 'gpt-realtime', voice: 'marin', turnDetection: 'server' });
    const tuned = await api('PATCH', `/businesses/${id}`, {
      engine: { name: 'openai-realtime', model: 'gpt-realtime-mini', voice: 'cedar', turnDetection: 'local' },
      vadMode: 'silero',
    });
    expect(tuned.body).toMatchObject({ engine: { name: 'openai-realtime', model: 'gpt-realtime-mini', voice: 'cedar', turnDetection: 'local' }, vadMode: 'silero' });
    const row = await db.prisma.business.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ engine: 'openai-realtime', engineSettings: { model: 'gpt-realtime-mini', voice: 'cedar', turnDetection: 'local' }, vadMode: 'silero' });

    // The call router sends the selection with every session.
    await db.prisma.phoneNumber.create({ data: { businessId: id, e164: '+15550001111' } });
    const route = await prismaBusinessDirectory(db.prisma).findByNumber('+15550001111');
    expect(route?.agent).toMatchObject({ engine: { name: 'openai-realtime', model: 'gpt-realtime-mini', voice: 'cedar', turnDetection: 'local' }, vadMode: 'silero' });

    // Back to the cascade: its settings go.
    const back = await api('PATCH', `/businesses/${id}`, { engine: { name: 'cascade' } });
    expect(back.body.engine).toEqual({ name: 'cascade' });
    expect(await db.prisma.business.findUniqueOrThrow({ where: { id } })).toMatchObject({ engine: 'cascade', engineSettings: {} });
  });

  const invalid: [string, unknown, RegExp][] = [
    ['an unknown engine', { engine: { name: 'gemini-live' } }, /engine\.name: engine name must be one of cascade, openai-realtime, self-hosted/],
    ['an engine without a name', { engine: { model: 'gpt-realtime' } }, /engine\.name: engine name must be one of/],
    ['a bad turn detection', { engine: { name: 'openai-realtime', turnDetection: 'both' } }, /engine\.turnDetection: turnDetection must be server or local/],
    ['a setting of another engine', { engine: { name: 'openai-realtime', llmModel: 'llama3' } }, /engine: Unrecognized key: "llmModel"/],
    ['a model name with spaces', { engine: { name: 'openai-realtime', model: 'gpt realtime' } }, /engine\.model: model may hold letters, digits/],
    ['an unknown VAD mode', { vadMode: 'webrtc' }, /vadMode: vadMode must be one of energy, silero/],
    ['a bad self-hosted language', { engine: { name: 'self-hosted', language: 'English' } }, /engine\.language: language must be a language tag/],
  ];
  for (const [what, patch, message] of invalid) {
    it(`refuses ${what} with 400 and changes nothing`, async () => {
      const { body } = await api('POST', '/businesses', BUSINESS);
      const answer = await api('PATCH', `/businesses/${body.id as string}`, patch);
      expect(answer.status).toBe(400);
      expect(messageOf(answer.body)).toMatch(message);
      expect(await db.prisma.business.findUniqueOrThrow({ where: { id: body.id as string } })).toMatchObject({ engine: 'cascade', vadMode: 'energy' });
    });
  }

  it('reads a value edited by hand that no longer parses as the cascade, and says why', async () => {
    const { body } = await api('POST', '/businesses', BUSINESS);
    const id = body.id as string;
    await db.prisma.business.update({ where: { id }, data: { engine: 'openai-realtime', engineSettings: { turnDetection: 'sometimes' }, vadMode: 'neural' } });
    await db.prisma.phoneNumber.create({ data: { businessId: id, e164: '+15550002222' } });
    const problems: string[] = [];
    const route = await prismaBusinessDirectory(db.prisma, (_business, problem) => problems.push(problem)).findByNumber('+15550002222');
    expect(route?.agent).toMatchObject({ engine: { name: 'cascade' }, vadMode: 'energy' });
    expect(problems).toEqual([
      'engine openai-realtime: turnDetection must be server or local; the cascade answers instead',
      'vad_mode "neural" is not known; energy is used',
    ]);
    expect((await api('GET', `/businesses/${id}`)).body).toMatchObject({ engine: { name: 'cascade' }, vadMode: 'energy' });
  });
});

describe('engine per business (admin CLI)', { timeout: 90_000 }, () => {
  const admin = (args: string[]) => runTsx(CLI, args, { env: { PATH: process.env.PATH, DATABASE_URL: database.url, LOG_LEVEL: 'warn' }, stdin: '' });

  it('sets an engine with settings and prints it; refuses a bad value naming the option (exit 2)', async () => {
    const { body } = await api('POST', '/businesses', BUSINESS);
    const id = body.id as string;
    const set = await admin(['business:engine', '--business', id, '--engine', 'openai-realtime', '--voice', 'cedar', '--turn-detection', 'local', '--vad', 'silero']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe(`business ${id} (Engine Dental): engine=openai-realtime model=gpt-realtime voice=cedar turnDetection=local vad=silero\n`);
    expect(await db.prisma.business.findUniqueOrThrow({ where: { id } })).toMatchObject({ engine: 'openai-realtime', vadMode: 'silero' });

    const bad = await admin(['business:engine', '--business', id, '--engine', 'openai-realtime', '--turn-detection', 'maybe']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --turn-detection: turnDetection must be server or local/);
    expect(await db.prisma.business.findUniqueOrThrow({ where: { id } })).toMatchObject({ engineSettings: { turnDetection: 'local' } });
  });
});
