// The deployment's shell scripts, run for real: the Asterisk image's
// configuration renderer and health check, and docker/init-env.sh.
import { createServer, type Server } from 'node:http';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runScript, sampleValue } from '../support/deploy-fixture.js';

const RENDER = join(PROJECT_ROOT, 'docker/asterisk/render-config.sh');
const HEALTHCHECK = join(PROJECT_ROOT, 'docker/asterisk/healthcheck.sh');
const INIT_ENV = join(PROJECT_ROOT, 'docker/init-env.sh');
const CONFIG = join(PROJECT_ROOT, 'docker/asterisk/config');

const dirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const ASTERISK_ENV = {
  ASTERISK_ARI_USERNAME: 'ops-user',
  ASTERISK_ARI_PASSWORD: 'ari-Secret-0123456789',
  ASTERISK_EXTERNAL_ADDRESS: '203.0.113.10',
  STAFF_100_PASSWORD: 'staff100-Secret-0123',
  STAFF_101_PASSWORD: 'staff101-Secret-0123',
  ASTERISK_DB_HOST: 'postgres',
  ASTERISK_DB_PORT: '5432',
  ASTERISK_DB_NAME: 'prosaas',
  ASTERISK_DB_USER: 'prosaas',
  ASTERISK_DB_PASSWORD: 'db-Secret-0123456789',
};
const SECRETS = [ASTERISK_ENV.ASTERISK_ARI_PASSWORD, ASTERISK_ENV.STAFF_100_PASSWORD, ASTERISK_ENV.STAFF_101_PASSWORD, ASTERISK_ENV.ASTERISK_DB_PASSWORD];

function render(env: Record<string, string>, source = CONFIG) {
  const target = tempDir('asterisk-etc-');
  return runScript('bash', [RENDER, source, target], env, PROJECT_ROOT).then((result) => ({ ...result, target }));
}

describe('asterisk-render-config (docker/asterisk/render-config.sh)', () => {
  it('renders every file, secrets from the environment, readable by its owner only', async () => {
    const result = await render(ASTERISK_ENV);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const ari = readFileSync(join(result.target, 'ari.conf'), 'utf8');
    expect(ari).toContain('[ops-user]\ntype = user');
    expect(ari).toContain(`password = ${ASTERISK_ENV.ASTERISK_ARI_PASSWORD}\n`);
    const pjsip = readFileSync(join(result.target, 'pjsip.conf'), 'utf8');
    expect(pjsip).toContain('external_media_address = 203.0.113.10');
    expect(pjsip).not.toContain('{{');
    for (const file of ['ari.conf', 'pjsip.conf', 'extensions.conf', 'http.conf', 'rtp.conf', 'modules.conf']) {
      expect(statSync(join(result.target, file)).mode & 0o777).toBe(0o600);
    }
    expect(readFileSync(join(result.target, 'pjsip_twilio_termination.conf'), 'utf8')).not.toContain('type =');
    for (const secret of SECRETS) expect(result.stdout).not.toContain(secret);
  });

  it('names the node after ASTERISK_SYSTEM_NAME, or the host name when it is not set', async () => {
    const named = await render({ ...ASTERISK_ENV, ASTERISK_SYSTEM_NAME: 'asterisk-1' });
    expect(named.code).toBe(0);
    expect(readFileSync(join(named.target, 'asterisk.conf'), 'utf8')).toMatch(/^\[options\]\n(?:.*\n)*systemname = asterisk-1\n/m);
    expect(named.stdout).toContain('system name asterisk-1');

    const hostLabel = hostname().split('.')[0]!;
    const byHost = await render(ASTERISK_ENV);
    if (/^[A-Za-z0-9][A-Za-z0-9_-]{0,18}$/.test(hostLabel)) {
      expect(byHost.code).toBe(0);
      expect(readFileSync(join(byHost.target, 'asterisk.conf'), 'utf8')).toContain(`systemname = ${hostLabel}\n`);
    } else {
      // This machine's name is no usable systemname: the container would refuse to start.
      expect(byHost.code).toBe(1);
      expect(byHost.stderr).toContain('ASTERISK_SYSTEM_NAME is empty and the host name cannot stand in for it');
    }
  });

  it.each([
    ['a space', 'asterisk 0'],
    ['a dot', 'pbx.example'],
    ['a ";" (a comment in Asterisk config)', 'pbx;0'],
    ['a leading "-"', '-pbx'],
    ['more than 19 characters', 'asterisk-node-000001'],
  ])('refuses a systemname with %s, leaving the target untouched', async (_what, name) => {
    const target = tempDir('asterisk-etc-');
    writeFileSync(join(target, 'asterisk.conf'), 'previous');
    const result = await runScript('bash', [RENDER, CONFIG, target], { ...ASTERISK_ENV, ASTERISK_SYSTEM_NAME: name }, PROJECT_ROOT);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ASTERISK_SYSTEM_NAME must be 1 to 19 letters, digits, - or _');
    expect(readFileSync(join(target, 'asterisk.conf'), 'utf8')).toBe('previous');
  });

  it('renders the Twilio termination only when it is configured', async () => {
    const result = await render({
      ...ASTERISK_ENV,
      TWILIO_TERMINATION_HOST: 'example.pstn.twilio.com',
      TWILIO_TERMINATION_USERNAME: 'trunk-user',
      TWILIO_TERMINATION_PASSWORD: 'Trunk-Secret-0123',
    });
    expect(result.code).toBe(0);
    const termination = readFileSync(join(result.target, 'pjsip_twilio_termination.conf'), 'utf8');
    expect(termination).toContain('contact = sip:example.pstn.twilio.com');
    expect(termination).toContain('password = Trunk-Secret-0123');
    expect(result.stdout).not.toContain('Trunk-Secret-0123');
  });

  it('refuses to start without an ARI password, naming the variable and no secret', async () => {
    const result = await render({ ...ASTERISK_ENV, ASTERISK_ARI_PASSWORD: '' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ASTERISK_ARI_PASSWORD is empty');
    for (const secret of SECRETS) expect(result.stderr + result.stdout).not.toContain(secret);
    expect(existsSync(join(result.target, 'ari.conf'))).toBe(false);
  });

  it.each([
    ['a ";" (a comment in Asterisk config)', { ASTERISK_ARI_PASSWORD: 'abc;defghijkl' }, 'ASTERISK_ARI_PASSWORD contains characters'],
    ['a short password', { STAFF_100_PASSWORD: 'short' }, 'STAFF_100_PASSWORD is shorter than 12 characters'],
    ['0.0.0.0 as the public address', { ASTERISK_EXTERNAL_ADDRESS: '0.0.0.0' }, 'ASTERISK_EXTERNAL_ADDRESS must be the public address'],
    ['a half-configured termination', { TWILIO_TERMINATION_HOST: 'example.pstn.twilio.com' }, 'TWILIO_TERMINATION_USERNAME is empty'],
    ['another Stasis app than the dialplan', { ARI_APP_NAME: 'other_app' }, 'sends calls to Stasis(prosaas_ai) but ARI_APP_NAME is other_app'],
  ])('refuses %s', async (_name, override, expected) => {
    const result = await render({ ...ASTERISK_ENV, ...override });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(expected);
    expect(result.stderr).not.toContain('abc;defghijkl');
  });

  it('refuses a template with an unknown placeholder and leaves the target untouched', async () => {
    const source = tempDir('asterisk-config-');
    cpSync(CONFIG, source, { recursive: true });
    writeFileSync(join(source, 'http.conf.template'), '[general]\nbindport = {{ARI_PORT}}\n');
    const target = tempDir('asterisk-etc-');
    writeFileSync(join(target, 'ari.conf'), 'previous');
    const result = await runScript('bash', [RENDER, source, target], ASTERISK_ENV, PROJECT_ROOT);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('http.conf.template uses an unknown placeholder {{ARI_PORT}}');
    expect(readFileSync(join(target, 'ari.conf'), 'utf8')).toBe('previous');
  });
});

describe('asterisk-healthcheck (docker/asterisk/healthcheck.sh)', () => {
  const USER = 'ops-user';
  const PASSWORD = 'ari-Secret-0123456789';
  // The ping answer as recorded from Asterisk 22.10.1 (../shared/ari/traces/api-docs-and-info.jsonl).
  const PONG = JSON.stringify({ ping: 'pong', timestamp: '2026-11-21T04:19:53.014+0000', asterisk_id: '02:fc:00:00:00:01' });
  let server: Server;
  let url: string;
  let answer: 'pong' | 'other' = 'pong';

  beforeAll(async () => {
    server = createServer((request, response) => {
      const expected = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
      response.setHeader('content-type', 'application/json');
      if (request.headers.authorization !== expected) {
        response.writeHead(401, { 'www-authenticate': 'Basic realm="Asterisk REST Interface"' }).end('{"message":"Authentication required"}');
      } else if (request.url !== '/ari/asterisk/ping') {
        response.writeHead(404).end('{"message":"Resource not found"}');
      } else {
        response.writeHead(200).end(answer === 'pong' ? PONG : '{"asterisk_id":"x"}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  afterEach(() => {
    answer = 'pong';
  });

  const check = (env: Record<string, string>) => runScript('sh', [HEALTHCHECK], { ARI_HEALTHCHECK_URL: url, ...env }, PROJECT_ROOT);

  it('is healthy when ARI answers the ping with the configured credentials', async () => {
    const result = await check({ ASTERISK_ARI_USERNAME: USER, ASTERISK_ARI_PASSWORD: PASSWORD });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('is unhealthy when ARI rejects the credentials, without printing them', async () => {
    const result = await check({ ASTERISK_ARI_USERNAME: USER, ASTERISK_ARI_PASSWORD: 'wrong-password-0123' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('401');
    expect(result.stderr + result.stdout).not.toContain('wrong-password-0123');
  });

  it('is unhealthy when the answer is not a pong', async () => {
    answer = 'other';
    const result = await check({ ASTERISK_ARI_USERNAME: USER, ASTERISK_ARI_PASSWORD: PASSWORD });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('unexpected answer');
  });

  it('is unhealthy when ARI does not answer or no credentials are set', async () => {
    const unreachable = await runScript('sh', [HEALTHCHECK], { ARI_HEALTHCHECK_URL: 'http://127.0.0.1:9', ASTERISK_ARI_USERNAME: USER, ASTERISK_ARI_PASSWORD: PASSWORD }, PROJECT_ROOT);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).not.toContain(PASSWORD);
    const unset = await check({});
    expect(unset.code).toBe(1);
    expect(unset.stderr).toContain('not set');
  });
});

describe('docker/init-env.sh', () => {
  const GENERATED = ['ASTERISK_ARI_PASSWORD', 'MEDIA_GATEWAY_TOKEN', 'POSTGRES_PASSWORD', 'STAFF_100_PASSWORD', 'STAFF_101_PASSWORD', 'OPERATOR_TOKEN'];

  function project(): string {
    const root = tempDir('init-env-');
    mkdirSync(join(root, 'docker'));
    cpSync(INIT_ENV, join(root, 'docker/init-env.sh'));
    cpSync(join(PROJECT_ROOT, '.env.example'), join(root, '.env.example'));
    return root;
  }
  const valueOf = (text: string, key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(text)?.[1];

  it('creates .env with generated secrets, then asks for what only the operator knows', async () => {
    const root = project();
    const first = await runScript('sh', [join(root, 'docker/init-env.sh')], {}, root);
    expect(first.code).toBe(1);
    const env = readFileSync(join(root, '.env'), 'utf8');
    expect(statSync(join(root, '.env')).mode & 0o777).toBe(0o600);
    for (const key of GENERATED) {
      const secret = valueOf(env, key);
      expect(secret, key).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(first.stdout + first.stderr).not.toContain(secret);
    }
    expect(first.stderr).toMatch(/ASTERISK_EXTERNAL_ADDRESS[\s\S]*DEEPGRAM_API_KEY[\s\S]*OPENAI_API_KEY/);

    const filled = env
      .replace(/^ASTERISK_EXTERNAL_ADDRESS=$/m, 'ASTERISK_EXTERNAL_ADDRESS=203.0.113.10')
      .replace(/^DEEPGRAM_API_KEY=$/m, `DEEPGRAM_API_KEY=${sampleValue('DEEPGRAM_API_KEY')}`)
      .replace(/^OPENAI_API_KEY=$/m, `OPENAI_API_KEY=${sampleValue('OPENAI_API_KEY')}`)
      .replace(/^STAFF_101_PASSWORD=.*$/m, 'STAFF_101_PASSWORD=chosen-by-the-operator');
    writeFileSync(join(root, '.env'), filled);
    const second = await runScript('sh', [join(root, 'docker/init-env.sh')], {}, root);
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    expect(readFileSync(join(root, '.env'), 'utf8')).toBe(filled);
  });
});
