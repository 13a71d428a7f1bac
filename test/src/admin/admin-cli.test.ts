// `npm run admin -- ...` as child processes against a test database: each
// command's effect in the database, its output, and its errors and exit codes
// (2 for usage, 1 for a failed operation). Passwords never appear in output.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../../src/db/index.js';
import { verifyPassword } from '../../../src/staff/password-hash.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import type { ChildRun } from '../../kit/child-run.js';
import { compileBackend, type CompiledBackend } from '../../support/compiled-backend.js';

const CLI = 'src/admin/cli.ts';
const PASSWORD = 'cli-password-123456';

let database: TestDatabase;
let db: Db;
// The CLI compiled once for the file: every run below is a real `node` process of
// the real entry (argument parsing, migrations check, exit codes), without a
// TypeScript compile per start.
let backend: CompiledBackend;

beforeAll(async () => {
  backend = await compileBackend();
  database = await createTestDatabase();
  db = createDb(database.url);
}, 60_000);

afterAll(async () => {
  await db?.close();
  await database?.drop();
  await backend?.remove();
});

function admin(args: string[], stdin = ''): Promise<ChildRun> {
  return backend.run(CLI, args, { env: { PATH: process.env.PATH, DATABASE_URL: database.url, LOG_LEVEL: 'warn' }, stdin });
}

const BUSINESS_ARGS = [
  '--name',
  'Acme Dental',
  '--timezone',
  'europe/paris',
  '--greeting',
  'Thanks for calling Acme Dental.',
  '--system-prompt',
  'You answer the phone for Acme Dental.',
  '--voice',
  'aura-2-thalia-en',
  '--transfer-target',
  'PJSIP/100',
];

async function createdBusinessId(): Promise<string> {
  const run = await admin(['business:create', ...BUSINESS_ARGS]);
  expect(run.code, run.stderr).toBe(0);
  const id = /^created business ([0-9a-f-]{36}) \(Acme Dental\)$/m.exec(run.stdout)?.[1];
  if (!id) throw new Error(`unexpected output: ${run.stdout}`);
  return id;
}

/** The business's audit events in order; every one must be the operator's, through the CLI, with no address. */
async function auditTrail(businessId: string): Promise<{ action: string; detail: string | null; targetId: string | null }[]> {
  const events = await db.prisma.auditEvent.findMany({ where: { businessId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  for (const event of events) expect(event).toMatchObject({ actorKind: 'operator', actorLabel: 'operator (admin CLI)', actorId: null, ip: null });
  return events.map(({ action, detail, targetId }) => ({ action, detail, targetId }));
}

// Each command is a process start (the compiled CLI, migrations check): about a second under load.
const SLOW = { timeout: 90_000 };

describe('usage', SLOW, () => {
  it('prints the usage for help (exit 0) and for an unknown command or option (exit 2)', async () => {
    const help = await admin(['help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run admin -- <command> \[options\]/);
    expect(help.stdout).toContain('staff:reset-password --email <email> [--password-stdin]');

    const unknown = await admin(['business:destroy']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: unknown command "business:destroy"\n\nusage: /);

    const option = await admin(['business:list', '--colour']);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/^error: business:list: Unknown option '--colour'/);

    const missing = await admin(['business:create', '--name', 'Acme']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: business:create: missing --timezone, --greeting, --system-prompt, --voice\n/);
  });
});

describe('businesses and numbers', SLOW, () => {
  it('creates and lists businesses', async () => {
    const id = await createdBusinessId();
    const row = await db.prisma.business.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ name: 'Acme Dental', timezone: 'Europe/Paris', transferTarget: 'PJSIP/100', language: 'en' });

    const list = await admin(['business:list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`${id}\tAcme Dental\tEurope/Paris\t-\t0 staff\tengine=cascade vad=energy\n`);
    const json = await admin(['business:list', '--json']);
    expect((JSON.parse(json.stdout) as { id: string }[]).map((b) => b.id)).toContain(id);
  });

  it('refuses invalid values with exit 2, naming the option', async () => {
    const zone = await admin(['business:create', ...BUSINESS_ARGS.slice(0, 2), '--timezone', 'Mars/Base', ...BUSINESS_ARGS.slice(4)]);
    expect(zone.code).toBe(2);
    expect(zone.stderr).toMatch(/^error: --timezone: "Mars\/Base" is not an IANA time zone/);
    const target = await admin(['business:create', ...BUSINESS_ARGS.slice(0, -1), 'PJSIP/1&PJSIP/2']);
    expect(target.code).toBe(2);
    expect(target.stderr).toMatch(/^error: --transfer-target: must be an Asterisk dial string/);
  });

  it('adds and removes phone numbers; a taken number or unknown business fails with exit 1', async () => {
    const id = await createdBusinessId();
    const added = await admin(['number:add', '--business', id, '--number', '+19865550123']);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toBe(`added +19865550123 to business ${id} (Acme Dental)\n`);
    expect(await db.prisma.phoneNumber.findUnique({ where: { e164: '+19865550123' } })).toMatchObject({ businessId: id });

    const taken = await admin(['number:add', '--business', id, '--number', '+19865550123']);
    expect(taken).toMatchObject({ code: 1, stderr: 'error: +19865550123 is already assigned to a business; remove it there first\n' });
    const invalid = await admin(['number:add', '--business', id, '--number', '9865550123']);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/^error: --number: must be an E.164 number/);
    const nobody = await admin(['number:add', '--business', '00000000-0000-4000-8000-00000000dead', '--number', '+19865550124']);
    expect(nobody).toMatchObject({ code: 1, stderr: 'error: no such business\n' });

    const removed = await admin(['number:remove', '--number', '+19865550123']);
    expect(removed).toMatchObject({ code: 0, stdout: 'removed +19865550123\n' });
    expect(await db.prisma.phoneNumber.count({ where: { e164: '+19865550123' } })).toBe(0);
    const again = await admin(['number:remove', '--number', '+19865550123']);
    expect(again).toMatchObject({ code: 1, stderr: 'error: +19865550123 is not assigned\n' });

    // Each change is in the business's audit log once, by the operator through the CLI; refused ones are not.
    expect(await auditTrail(id)).toEqual([
      { action: 'business_created', detail: 'Acme Dental', targetId: null },
      { action: 'number_added', detail: '+19865550123', targetId: null },
      { action: 'number_removed', detail: '+19865550123', targetId: null },
    ]);
  });
});

describe('staff accounts', SLOW, () => {
  it('creates an account with a password from stdin, lists it, resets the password and disables it', async () => {
    const id = await createdBusinessId();
    const created = await admin(
      ['staff:create', '--business', id, '--email', 'Mia@Acme.example', '--name', 'Mia', '--role', 'manager', '--password-stdin'],
      `${PASSWORD}\n`,
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^created manager mia@acme\.example \([0-9a-f-]{36}\) for business /);
    const user = await db.prisma.staffUser.findUniqueOrThrow({ where: { email: 'mia@acme.example' } });
    expect(user).toMatchObject({ businessId: id, displayName: 'Mia', role: 'manager', disabledAt: null });
    expect(await verifyPassword(PASSWORD, user.passwordHash)).toBe(true);
    expect(user.passwordHash).toMatch(/^scrypt\$32768\$8\$1\$/);

    const list = await admin(['staff:list', '--business', id]);
    expect(list.stdout).toBe(`${user.id}\tmia@acme.example\tMia\tmanager\tactive\n`);

    const duplicate = await admin(['staff:create', '--business', id, '--email', 'mia@acme.example', '--name', 'Mia', '--password-stdin'], PASSWORD);
    expect(duplicate).toMatchObject({ code: 1, stderr: 'error: a staff account with this email already exists\n' });

    await db.prisma.staffSession.create({ data: { id: 'a'.repeat(64), userId: user.id, csrfToken: 'x', expiresAt: new Date(Date.now() + 60_000) } });
    const reset = await admin(['staff:reset-password', '--email', 'MIA@acme.example', '--password-stdin'], 'a-brand-new-password\n');
    expect(reset).toMatchObject({ code: 0, stdout: 'password of mia@acme.example changed; their sessions ended\n' });
    const afterReset = await db.prisma.staffUser.findUniqueOrThrow({ where: { id: user.id } });
    expect(await verifyPassword('a-brand-new-password', afterReset.passwordHash)).toBe(true);
    expect(await verifyPassword(PASSWORD, afterReset.passwordHash)).toBe(false);
    expect(await db.prisma.staffSession.count({ where: { userId: user.id } })).toBe(0);

    await db.prisma.staffSession.create({ data: { id: 'b'.repeat(64), userId: user.id, csrfToken: 'x', expiresAt: new Date(Date.now() + 60_000) } });
    const disabled = await admin(['staff:disable', '--email', 'mia@acme.example']);
    expect(disabled).toMatchObject({ code: 0, stdout: 'disabled mia@acme.example; their sessions ended\n' });
    expect((await db.prisma.staffUser.findUniqueOrThrow({ where: { id: user.id } })).disabledAt).not.toBeNull();
    expect(await db.prisma.staffSession.count({ where: { userId: user.id } })).toBe(0);
    expect((await admin(['staff:list', '--business', id])).stdout).toMatch(/\tmanager\tdisabled \d{4}-/);

    expect(await auditTrail(id)).toEqual([
      { action: 'business_created', detail: 'Acme Dental', targetId: null },
      { action: 'staff_created', detail: 'mia@acme.example (manager)', targetId: `staff:${user.id}` },
      { action: 'staff_password_reset', detail: 'mia@acme.example; their sessions ended', targetId: `staff:${user.id}` },
      { action: 'staff_disabled', detail: 'mia@acme.example', targetId: `staff:${user.id}` },
    ]);

    for (const run of [created, list, duplicate, reset, disabled]) {
      expect(run.stdout + run.stderr).not.toContain(PASSWORD);
      expect(run.stdout + run.stderr).not.toContain('a-brand-new-password');
      expect(run.stdout + run.stderr).not.toContain('scrypt$');
    }
  });

  it('refuses a password that is too short, a password from a non-terminal without --password-stdin, and unknown accounts', async () => {
    const id = await createdBusinessId();
    const short = await admin(['staff:create', '--business', id, '--email', 'x@acme.example', '--name', 'X', '--password-stdin'], 'short\n');
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/^error: password: must be at least 12 characters/);
    expect(short.stderr).not.toContain('short\n\n');

    const noTty = await admin(['staff:create', '--business', id, '--email', 'x@acme.example', '--name', 'X'], PASSWORD);
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toMatch(/^error: standard input is not a terminal: pipe the password in and pass --password-stdin/);

    const badEmail = await admin(['staff:create', '--business', id, '--email', 'not-an-email', '--name', 'X', '--password-stdin'], PASSWORD);
    expect(badEmail.code).toBe(2);
    expect(badEmail.stderr).toMatch(/^error: --email: must be an email address/);
    expect(await db.prisma.staffUser.count({ where: { businessId: id } })).toBe(0);

    const unknown = await admin(['staff:disable', '--email', 'ghost@acme.example']);
    expect(unknown).toMatchObject({ code: 1, stderr: 'error: no such staff account\n' });
    const unknownReset = await admin(['staff:reset-password', '--email', 'ghost@acme.example', '--password-stdin'], PASSWORD);
    expect(unknownReset).toMatchObject({ code: 1, stderr: 'error: no such staff account\n' });
  });
});
