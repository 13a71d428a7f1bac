// Rendering the Asterisk configuration as the image does: the image's own
// script (docker/asterisk/render-config.sh) run with the environment compose
// gives the Asterisk container, computed from a sample .env.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { interpolate, loadCompose, serviceEnvironment } from './deploy-compose.js';
import { sampleDotenv, sampleValue } from './deploy-fixture.js';

export const CONFIG_SOURCE = 'docker/asterisk/config';
export const RENDER_SCRIPT = 'docker/asterisk/render-config.sh';

export interface RenderedConfig {
  readonly dir: string;
  readonly env: ReadonlyMap<string, string>;
  remove(): void;
}

/** Renders the configuration with the Asterisk container's environment as compose sets it from `dotenv`. */
export function renderAsteriskConfig(root: string, dotenv: ReadonlyMap<string, string>, serviceName = 'asterisk'): RenderedConfig | { error: string } {
  const compose = loadCompose(root);
  const service = compose.services[serviceName];
  if (!service) return { error: `no ${serviceName} service in the compose file` };
  const env = new Map<string, string>();
  for (const [key, raw] of Object.entries(serviceEnvironment(service))) env.set(key, interpolate(raw ?? '', dotenv).value);
  const dir = mkdtempSync(join(tmpdir(), 'asterisk-rendered-'));
  const result = spawnSync('bash', [join(root, RENDER_SCRIPT), join(root, CONFIG_SOURCE), dir], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...Object.fromEntries(env) },
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return { error: `render-config.sh exited ${result.status}: ${result.stderr.trim()}` };
  }
  return { dir, env, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The environments the configuration is rendered with: the newcomer's .env,
 * and the same with Twilio termination configured (its endpoint is rendered
 * only then).
 */
export type DotenvVariant = 'plain' | 'termination';
export const ALL_VARIANTS: readonly DotenvVariant[] = ['plain', 'termination'];

export function dotenvVariant(root: string, variant: DotenvVariant): ReadonlyMap<string, string> {
  const plain = sampleDotenv(root);
  if (variant === 'plain') return plain;
  const termination = new Map(plain);
  termination.set('TWILIO_TERMINATION_HOST', 'example.pstn.twilio.com');
  termination.set('TWILIO_TERMINATION_USERNAME', 'trunk-user');
  termination.set('TWILIO_TERMINATION_PASSWORD', sampleValue('TWILIO_TERMINATION_PASSWORD'));
  return termination;
}
