// What the demo runs with: command-line flags, and the settings it takes from
// the environment and the project's .env (the environment wins; an empty value
// means "not set", as everywhere in the project).
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { DEFAULT_DEMO_ENGINE, DEMO_ENGINES, findDemoEngine } from './demo-engines.js';

const ENGINE_LINES = DEMO_ENGINES.map(
  (engine) => `               ${engine.name.padEnd(16)}${engine.summary}${engine.name === DEFAULT_DEMO_ENGINE ? ' (default)' : ''}`,
).join('\n');

export const USAGE = `usage: npm run demo -- [--engine <name>] [--short] [--fakes] [--verbose]

  --engine <name>  the conversation engine the demo business answers with:
${ENGINE_LINES}
  --short          two exchanges instead of three
  --fakes          use the provider fakes even when API keys are set
  --verbose        print the programs' warnings as they happen

With DEEPGRAM_API_KEY and OPENAI_API_KEY (environment or .env) the agent uses the real
services; without them, fakes of both. DATABASE_URL selects a PostgreSQL; without it an
embedded one runs in a temporary folder.`;

export interface DemoFlags {
  /** A name of DEMO_ENGINES. */
  readonly engine: string;
  readonly short: boolean;
  readonly forceFakes: boolean;
  readonly verbose: boolean;
  readonly help: boolean;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(`${message}\n${USAGE}`);
    this.name = 'UsageError';
  }
}

export function parseFlags(argv: readonly string[]): DemoFlags {
  const flags = { engine: DEFAULT_DEMO_ENGINE, short: false, forceFakes: false, verbose: false, help: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--engine' || arg.startsWith('--engine=')) {
      const name = arg === '--engine' ? argv[(i += 1)] : arg.slice('--engine='.length);
      if (name === undefined || name === '') throw new UsageError('--engine needs an engine name');
      if (!findDemoEngine(name)) throw new UsageError(`unknown engine "${name}": one of ${DEMO_ENGINES.map((engine) => engine.name).join(', ')}`);
      flags.engine = name;
    } else if (arg === '--short') flags.short = true;
    else if (arg === '--fakes') flags.forceFakes = true;
    else if (arg === '--verbose') flags.verbose = true;
    else if (arg === '--help' || arg === '-h') flags.help = true;
    else throw new UsageError(`unknown argument: ${arg}`);
  }
  return Object.freeze(flags);
}

/** The settings the demo reads; everything else in the environment is left to the programs' defaults. */
const SETTING_NAMES = [
  'DATABASE_URL',
  'DEEPGRAM_API_KEY',
  'OPENAI_API_KEY',
  // Optional provider choices, passed on to the gateway with the real services.
  'DEEPGRAM_BASE_URL',
  'DEEPGRAM_STT_MODEL',
  'OPENAI_BASE_URL',
  'OPENAI_MODEL',
  'OPENAI_TTS_MODEL',
  'TTS_PROVIDER',
] as const;
type SettingName = (typeof SETTING_NAMES)[number];
export type DemoSettings = Readonly<Partial<Record<SettingName, string>>>;

/** Reads the settings from `env`, then from the .env file for names `env` does not have. */
export function readSettings(env: NodeJS.ProcessEnv, envFilePath: string | null): DemoSettings {
  const fromFile = envFilePath && existsSync(envFilePath) ? parseEnv(readFileSync(envFilePath, 'utf8')) : {};
  const settings: Partial<Record<SettingName, string>> = {};
  for (const name of SETTING_NAMES) {
    const value = name in env ? env[name] : fromFile[name];
    if (value !== undefined && value.trim() !== '') settings[name] = value.trim();
  }
  return Object.freeze(settings);
}

export type ProviderChoice =
  | { readonly kind: 'fakes'; readonly why: 'no-keys' | 'forced' }
  /** Gateway variables for the real services (keys and the optional provider choices). */
  | { readonly kind: 'real'; readonly gatewayEnv: Readonly<Record<string, string>> };

export class ProviderKeysError extends Error {
  constructor(present: string, missing: string) {
    super(`${present} is set but ${missing} is not: set both for the real services, or neither (or --fakes) for the fakes`);
    this.name = 'ProviderKeysError';
  }
}

export function chooseProviders(settings: DemoSettings, forceFakes: boolean): ProviderChoice {
  if (forceFakes) return { kind: 'fakes', why: 'forced' };
  const deepgram = settings.DEEPGRAM_API_KEY !== undefined;
  const openai = settings.OPENAI_API_KEY !== undefined;
  if (!deepgram && !openai) return { kind: 'fakes', why: 'no-keys' };
  if (!deepgram) throw new ProviderKeysError('OPENAI_API_KEY', 'DEEPGRAM_API_KEY');
  if (!openai) throw new ProviderKeysError('DEEPGRAM_API_KEY', 'OPENAI_API_KEY');
  const gatewayEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings)) {
    if (name !== 'DATABASE_URL' && value !== undefined) gatewayEnv[name] = value;
  }
  return { kind: 'real', gatewayEnv: Object.freeze(gatewayEnv) };
}
