// `npm run admin -- extension:* | call:place` as child processes: extensions are
// written to Asterisk's realtime tables of the database, and a call is placed
// through the running backend's admin API (the real system on the ARI fake).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { md5Credential } from '../../../src/admin/pjsip-realtime.js';
import { OPERATOR_TOKEN } from '../../support/staff-api.js';
import { startSystem, type TestSystem } from '../../support/test-system.js';
import { createBusiness } from '../../kit/calls.js';
import type { ChildRun } from '../../kit/child-run.js';
import { compileBackend, type CompiledBackend } from '../../support/compiled-backend.js';

const CLI = 'src/admin/cli.ts';
// Each command is a process start (the compiled CLI, migrations check): about a second under load.
const SLOW = { timeout: 120_000 };

let system: TestSystem;
let businessId: string;
// The CLI compiled once for the file: each run is a real `node` process of the real entry.
let backend: CompiledBackend;

beforeAll(async () => {
  backend = await compileBackend();
  system = await startSystem({ backendEnv: { OPERATOR_TOKEN } });
  await system.waitReady();
  businessId = await createBusiness(system.prisma, 'Acme Dental', ['+19863334949']);
  await system.prisma.business.update({
    where: { id: businessId },
    data: { outboundWindowStart: '00:00', outboundWindowEnd: '00:00', outboundDays: 'sun,mon,tue,wed,thu,fri,sat' },
  });
}, 60_000);

afterAll(async () => {
  await system?.stop();
  await backend?.remove();
});

function admin(args: string[], env: Record<string, string> = {}): Promise<ChildRun> {
  return backend.run(CLI, args, { env: { PATH: process.env.PATH, DATABASE_URL: system.database.url, LOG_LEVEL: 'warn', ...env } });
}

async function authRow(extension: string): Promise<{ md5_cred: string } | undefined> {
  const rows = await system.prisma.$queryRaw<{ md5_cred: string }[]>`SELECT md5_cred FROM asterisk.ps_auths WHERE id = ${extension}`;
  return rows[0];
}

describe('admin CLI: staff extensions', SLOW, () => {
  it('creates an extension (its password printed once), rotates the password, lists and disables it', async () => {
    const created = await admin(['extension:create', '--business', businessId, '--extension', '120', '--name', 'Reception']);
    expect(created.code, created.stderr).toBe(0);
    const [headline, password] = created.stdout.trimEnd().split('\n');
    expect(headline).toBe('created extension 120 (Reception); SIP user 120, password:');
    expect((await authRow('120'))?.md5_cred).toBe(md5Credential('120', password!));

    const rotated = await admin(['extension:rotate-password', '--extension', '120']);
    expect(rotated.code, rotated.stderr).toBe(0);
    const newPassword = rotated.stdout.trimEnd().split('\n')[1]!;
    expect(newPassword).not.toBe(password);
    expect((await authRow('120'))?.md5_cred).toBe(md5Credential('120', newPassword));

    const listed = await admin(['extension:list', '--business', businessId]);
    expect(listed.stdout).toMatch(/^120\tReception\tactive\tpassword changed /);
    expect(listed.stdout).not.toContain(newPassword);

    expect(await admin(['extension:disable', '--extension', '120'])).toMatchObject({ code: 0, stdout: 'disabled extension 120; Asterisk no longer knows it\n' });
    expect(await authRow('120')).toBeUndefined();
    expect(await admin(['extension:rotate-password', '--extension', '120'])).toMatchObject({
      code: 1,
      stderr: 'error: extension 120 is disabled: enable it to give it a password\n',
    });
    expect(await admin(['extension:create', '--business', businessId, '--extension', '0120', '--name', 'x'])).toMatchObject({ code: 1 });
  });
});

describe('admin CLI: call:place', SLOW, () => {
  it('places an outbound call through the running backend', async () => {
    system.fake.setCallee(/@twilio-out$/, { kind: 'ring' });
    const run = await admin(
      ['call:place', '--business', businessId, '--to', '+15557654321', '--instructions', 'Confirm {{what}}.', '--var', 'what=the cleaning'],
      { BACKEND_URL: system.backend.url, OPERATOR_TOKEN },
    );
    expect(run.code, run.stderr).toBe(0);
    const callId = /^dialing \+15557654321: call ([0-9a-f-]{36})\n$/.exec(run.stdout)?.[1];
    expect(callId).toBeDefined();
    expect(await system.prisma.callLog.findUnique({ where: { id: callId! } })).toMatchObject({
      direction: 'outbound',
      toNumber: '+15557654321',
      requestedBy: 'operator',
      outboundVariables: { what: 'the cleaning' },
    });
  });

  it('says what is wrong: no token, a bad variable, a backend that refuses or cannot be reached', async () => {
    const args = ['call:place', '--business', businessId, '--to', '+15557654321', '--instructions', 'Confirm.'];
    expect((await admin(args, { BACKEND_URL: system.backend.url })).stderr).toContain('call:place needs OPERATOR_TOKEN');
    expect(await admin([...args, '--var', 'novalue'], { BACKEND_URL: system.backend.url, OPERATOR_TOKEN })).toMatchObject({ code: 2 });
    const refused = await admin(['call:place', '--business', businessId, '--to', '+15557654321', '--instructions', 'Hi {{name}}.'], { BACKEND_URL: system.backend.url, OPERATOR_TOKEN });
    expect(refused).toMatchObject({ code: 1 });
    expect(refused.stderr).toContain('the backend refused the call (400): purpose.instructions refers to variables the request does not give: name');
    const unreachable = await admin(args, { BACKEND_URL: 'http://127.0.0.1:9', OPERATOR_TOKEN });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain('the backend at http://127.0.0.1:9 cannot be reached');
    expect(unreachable.stderr + refused.stderr).not.toContain(OPERATOR_TOKEN);
  });
});
