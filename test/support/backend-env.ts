// The least environment the backend's loadConfig accepts, and a way to read the
// problems of one it refuses: shared by the configuration tests.
import { ConfigError, loadConfig } from '../../src/config.js';

export const REQUIRED_BACKEND_ENV: Readonly<NodeJS.ProcessEnv> = Object.freeze({
  ASTERISK_ARI_USERNAME: 'asterisk',
  ASTERISK_ARI_PASSWORD: 'Secret-ari-1',
  MEDIA_GATEWAY_TOKEN: 'token-0123456789abcdef',
});

/** The problems loadConfig lists for `env`; throws when it accepts it. */
export function configProblemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}
