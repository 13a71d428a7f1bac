// The HTTPS proxy of the compose stack: the checks on the real files and on
// copies broken on purpose; `caddy validate` of the Caddyfile (Debian's
// "caddy" package, installed by .ci/run); and the Caddyfile run by Caddy in
// front of a real backend: a browser-like client signs in over HTTPS with
// Secure cookies (no sign-in loop), gets HSTS, and the backend sees the
// client's own address even when it writes a false X-Forwarded-For.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { COMPOSE_FILE } from '../support/deploy-compose.js';
import { PROJECT_ROOT, copyDeployment, replaceOnce, type ProjectCopy } from '../support/deploy-fixture.js';
import { CADDYFILE, checkHttpsProxy } from '../support/deploy-proxy-checks.js';
import { createBusiness, startSystem } from '../support/test-system.js';
import { freePort } from '../kit/ports.js';
import { createStaffAccount } from '../support/staff-api.js';
import { waitFor, waitUntil } from '../kit/wait.js';

const copies: ProjectCopy[] = [];
afterEach(() => {
  for (const copy of copies.splice(0)) copy.remove();
});

/** Caddy itself runs the Caddyfile here: Debian's "caddy" package, which .ci/run installs. */
function requireCaddy(): void {
  const version = spawnSync('caddy', ['version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) {
    throw new Error('caddy is not installed: install Debian\'s "caddy" package (bash .ci/run does) to check the Caddyfile');
  }
}

describe('the HTTPS proxy', () => {
  it('passes every check', () => {
    expect(checkHttpsProxy(PROJECT_ROOT)).toEqual([]);
  });

  const BROKEN: Array<{ name: string; path: string; edit: (text: string) => string; expected: string }> = [
    { name: 'the backend believes any X-Forwarded-For', path: COMPOSE_FILE, edit: replaceOnce('TRUST_PROXY: "1"', 'TRUST_PROXY: "2"'), expected: 'TRUST_PROXY is 2, not 1' },
    { name: 'cookies not Secure behind HTTPS', path: COMPOSE_FILE, edit: replaceOnce('COOKIE_SECURE: ${COOKIE_SECURE:-}', 'COOKIE_SECURE: "false"'), expected: 'cookies are not Secure' },
    { name: 'the proxy starts before the backend is healthy', path: COMPOSE_FILE, edit: replaceOnce('      backend:\n        condition: service_healthy', '      backend:\n        condition: service_started'), expected: 'does not wait for the backend to be healthy' },
    { name: '443 is not published', path: COMPOSE_FILE, edit: replaceOnce('      - "443:443"\n', ''), expected: 'does not publish 443/tcp' },
    { name: 'the Caddyfile is mounted writable', path: COMPOSE_FILE, edit: replaceOnce('Caddyfile:/etc/caddy/Caddyfile:ro', 'Caddyfile:/etc/caddy/Caddyfile'), expected: 'read-only at /etc/caddy/Caddyfile' },
    { name: 'certificates are not kept', path: COMPOSE_FILE, edit: replaceOnce('      - caddy-data:/data\n', ''), expected: 'keeps its certificates (/data) in no named volume' },
    { name: 'an empty CONSOLE_DOMAIN reaches Caddy', path: COMPOSE_FILE, edit: replaceOnce('${CONSOLE_DOMAIN:-localhost}', '${CONSOLE_DOMAIN:-}'), expected: 'may get CONSOLE_DOMAIN empty' },
    { name: 'the proxy points at another port', path: COMPOSE_FILE, edit: replaceOnce('BACKEND_ADDRESS: backend:3000', 'BACKEND_ADDRESS: backend:3001'), expected: "BACKEND_ADDRESS (backend:3001) is not the backend" },
    { name: 'live events are buffered', path: CADDYFILE, edit: replaceOnce('\t\tflush_interval -1\n', ''), expected: 'buffers responses' },
    { name: 'no HSTS', path: CADDYFILE, edit: replaceOnce(/\t\tStrict-Transport-Security [^\n]*\n/, ''), expected: 'sends no Strict-Transport-Security' },
    { name: 'client X-Forwarded-For trusted', path: CADDYFILE, edit: replaceOnce('\t\tflush_interval -1\n', '\t\tflush_interval -1\n\t\ttrusted_proxies 0.0.0.0/0\n'), expected: 'trusted_proxies' },
    { name: 'no certificate without a domain', path: CADDYFILE, edit: replaceOnce(/https:\/\/ \{\n\ttls internal \{\n\t\ton_demand\n\t\}\n\timport backend\n\}\n/, ''), expected: 'no local-authority certificate' },
  ];

  it.each(BROKEN)('fails on a broken copy: $name', ({ path, edit, expected }) => {
    const copy = copyDeployment();
    copies.push(copy);
    copy.edit(path, edit);
    expect(checkHttpsProxy(copy.root)).toEqual(expect.arrayContaining([expect.stringContaining(expected)]));
  });

  it('is a valid Caddyfile for `caddy validate`', () => {
    requireCaddy();
    const home = mkdtempSync(join(tmpdir(), 'caddy-validate-'));
    try {
      const result = spawnSync('caddy', ['validate', '--adapter', 'caddyfile', '--config', join(PROJECT_ROOT, CADDYFILE)], {
        encoding: 'utf8',
        env: { ...process.env, HOME: home, XDG_DATA_HOME: home, XDG_CONFIG_HOME: home, HTTP_PORT: '18080', HTTPS_PORT: '18443' },
      });
      expect(result.stdout + result.stderr).toContain('Valid configuration');
      expect(result.status).toBe(0);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

interface HttpsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function httpsRequest(port: number, ca: string, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', servername: 'localhost', ca, headers: { host: `localhost:${port}`, ...options.headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('the Caddyfile in front of a real backend', () => {
  it('signs in over HTTPS with Secure cookies, sends HSTS, and gives the backend the client’s real address', async () => {
    requireCaddy();
    const system = await startSystem({ backendEnv: { TRUST_PROXY: '1', COOKIE_SECURE: 'true' } });
    const home = mkdtempSync(join(tmpdir(), 'caddy-run-'));
    let caddy: ChildProcess | null = null;
    try {
      await system.waitReady();
      const businessId = await createBusiness(system.prisma, 'Acme Dental', ['+19863334949']);
      const dana = await createStaffAccount(system.prisma, businessId, { email: 'dana@acme.example', password: 'dana-password-1234' });
      const [httpPort, httpsPort, adminPort] = [await freePort(), await freePort(), await freePort()];
      caddy = spawn('caddy', ['run', '--adapter', 'caddyfile', '--config', join(PROJECT_ROOT, CADDYFILE)], {
        env: {
          ...process.env,
          HOME: home,
          XDG_DATA_HOME: home,
          XDG_CONFIG_HOME: home,
          HTTP_PORT: String(httpPort),
          HTTPS_PORT: String(httpsPort),
          CADDY_ADMIN: `127.0.0.1:${adminPort}`,
          BACKEND_ADDRESS: new URL(system.backend.url).host,
          // As compose passes it when .env leaves it empty.
          CONSOLE_DOMAIN: 'localhost',
        },
        stdio: 'ignore',
      });
      const rootCert = join(home, 'caddy', 'pki', 'authorities', 'local', 'root.crt');
      const ca = await waitFor(() => {
        try {
          return readFileSync(rootCert, 'utf8');
        } catch {
          return null;
        }
      }, { what: "Caddy's local authority", timeoutMs: 20_000, intervalMs: 100 });
      await waitUntil(async () => (await httpsRequest(httpsPort, ca, '/health').catch(() => ({ status: 0 }))).status === 200, { what: 'HTTPS through Caddy', timeoutMs: 20_000, intervalMs: 100 });

      const login = await httpsRequest(httpsPort, ca, '/login', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: `https://localhost:${httpsPort}`, 'x-forwarded-for': '203.0.113.66' },
        body: new URLSearchParams({ email: dana.email, password: dana.password }).toString(),
      });
      expect(login.status).toBe(303);
      expect(login.headers.location).toBe('/dashboard');
      expect(login.headers['strict-transport-security']).toBe('max-age=31536000');
      const cookies = login.headers['set-cookie'] as string[];
      expect(cookies.every((cookie) => / Secure;/.test(cookie))).toBe(true);
      const sid = cookies.find((cookie) => cookie.startsWith('sid='))!.split(';')[0]!;
      // The Secure cookie comes back over HTTPS: the dashboard, not the sign-in page again.
      const home1 = await httpsRequest(httpsPort, ca, '/dashboard', { headers: { cookie: sid } });
      expect(home1.status).toBe(200);
      expect(home1.body).toContain('<h1>Dashboard</h1>');
      // The backend saw the client Caddy saw (127.0.0.1), not the address the client wrote.
      const signIn = await system.prisma.auditEvent.findFirstOrThrow({ where: { action: 'sign_in', actorLabel: dana.email } });
      expect(signIn.ip).toBe('127.0.0.1');
    } finally {
      caddy?.kill('SIGTERM');
      if (caddy && caddy.exitCode === null) await new Promise((resolve) => caddy!.once('exit', resolve));
      await system.stop();
      rmSync(home, { recursive: true, force: true });
    }
  }, 90_000);
});
