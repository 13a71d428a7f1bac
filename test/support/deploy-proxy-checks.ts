// Checks of the HTTPS proxy in docker-compose.sip.yml (service https-proxy,
// docker/https-proxy/Caddyfile): it waits for a healthy backend, publishes
// 80 and 443, mounts its Caddyfile read-only and keeps certificates in a
// volume; the Caddyfile proxies to the backend's service and port, passes
// server-sent events unbuffered, sends HSTS, gets a public certificate for
// CONSOLE_DOMAIN and a local one otherwise; and the backend trusts exactly
// that one proxy (TRUST_PROXY=1), with Secure cookies.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { isMapping, loadCompose, servicePorts, serviceVolumes } from './deploy-compose.js';
import { resolvedEnvironment } from './deploy-compose-checks.js';
import { sampleDotenv } from './deploy-fixture.js';

export const PROXY = 'https-proxy';
export const CADDYFILE = 'docker/https-proxy/Caddyfile';

export function checkHttpsProxy(root: string): string[] {
  const compose = loadCompose(root);
  const proxy = compose.services[PROXY];
  const backend = compose.services.backend;
  if (!proxy || !backend) return [`compose: no ${PROXY} service`];
  const problems: string[] = [];

  if (typeof proxy.image !== 'string' || !/^caddy:2\.\d+/.test(proxy.image)) problems.push(`compose: ${PROXY} does not run a pinned caddy:2.x image`);
  const dependsOn = proxy.depends_on;
  const backendDependency = isMapping(dependsOn) ? dependsOn.backend : undefined;
  if (!isMapping(backendDependency) || backendDependency.condition !== 'service_healthy') problems.push(`compose: ${PROXY} does not wait for the backend to be healthy`);
  const ports = servicePorts(proxy);
  for (const port of [80, 443]) {
    if (!ports.some((mapping) => mapping.containerStart === port && mapping.hostStart === port && mapping.protocol === 'tcp' && mapping.hostIp === null)) {
      problems.push(`compose: ${PROXY} does not publish ${port}/tcp on every interface`);
    }
  }
  const volumes = serviceVolumes(proxy);
  const caddyfile = volumes.find((volume) => volume.target === '/etc/caddy/Caddyfile');
  if (!caddyfile || caddyfile.source !== `./${CADDYFILE}` || !caddyfile.readOnly) problems.push(`compose: ${PROXY} does not mount ./${CADDYFILE} read-only at /etc/caddy/Caddyfile`);
  if (!volumes.some((volume) => volume.target === '/data' && !volume.source.startsWith('.'))) problems.push(`compose: ${PROXY} keeps its certificates (/data) in no named volume`);
  if (!isMapping(proxy.healthcheck)) problems.push(`compose: ${PROXY} has no health check`);

  const dotenv = sampleDotenv(root);
  const proxyEnv = resolvedEnvironment(proxy, dotenv).env;
  const backendEnv = resolvedEnvironment(backend, dotenv).env;
  let port = 3000;
  try {
    const config = loadConfig(backendEnv);
    port = config.http.port;
    if (config.staff.trustProxy !== 1) problems.push(`backend: TRUST_PROXY is ${JSON.stringify(config.staff.trustProxy)}, not 1 (exactly the ${PROXY} in front)`);
    if (!config.staff.cookieSecure) problems.push('backend: cookies are not Secure behind the HTTPS proxy');
  } catch (error) {
    problems.push(`backend: its configuration rejects the compose environment: ${(error as Error).message}`);
  }
  if (proxyEnv.BACKEND_ADDRESS !== `backend:${port}`) problems.push(`compose: ${PROXY}'s BACKEND_ADDRESS (${proxyEnv.BACKEND_ADDRESS ?? 'unset'}) is not the backend (backend:${port})`);
  // An empty value would make the Caddyfile's first site address empty (Caddy refuses to start).
  if (!proxyEnv.CONSOLE_DOMAIN) problems.push(`compose: ${PROXY} may get CONSOLE_DOMAIN empty (the Caddyfile then has no site address)`);

  let text: string;
  try {
    text = readFileSync(join(root, CADDYFILE), 'utf8');
  } catch {
    return [...problems, `${CADDYFILE}: missing`];
  }
  const code = text.split('\n').filter((line) => !line.trim().startsWith('#')).join('\n');
  if (!/reverse_proxy \{\$BACKEND_ADDRESS(:[^}]*)?\}/.test(code)) problems.push(`${CADDYFILE}: does not proxy to {$BACKEND_ADDRESS}`);
  if (!/flush_interval -1/.test(code)) problems.push(`${CADDYFILE}: buffers responses (live events need flush_interval -1)`);
  if (!/Strict-Transport-Security "max-age=\d+/.test(code)) problems.push(`${CADDYFILE}: sends no Strict-Transport-Security`);
  if (!/^\{\$CONSOLE_DOMAIN:localhost\} \{/m.test(code)) problems.push(`${CADDYFILE}: no site for {$CONSOLE_DOMAIN} (automatic public certificate)`);
  if (!/^https:\/\/ \{\s*\n\s*tls internal \{\s*\n\s*on_demand/m.test(code)) problems.push(`${CADDYFILE}: no local-authority certificate for other names and addresses`);
  if (/trusted_proxies/.test(code)) problems.push(`${CADDYFILE}: trusts X-Forwarded-For from clients (trusted_proxies)`);
  return problems;
}
