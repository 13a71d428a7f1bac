// What the demo runs with: command-line flags, and the settings it takes from
// the environment and the project's .env (the environment wins; an empty value
// means "not set", as everywhere in the project).
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

export const USAGE = `usage: npm run demo -- [--short] [--fakes] [--verbose] [--engine cascade|self-hosted] [--vad energy|silero]

  --short    two exchanges instead of three
  --fakes    use the Deepgram/OpenAI fakes even when API keys are set
  --verbose  print the programs' warnings as they happen
  --engine   the conversation engine (default cascade); self-hosted uses the servers in
             SELF_HOSTED_STT_URL, SELF_HOSTED_LLM_URL and SELF_HOSTED_TTS_URL when all three
             are set, else fakes of them
  --vad      the voice activity detector for barge-in and utterances (default energy)

With DEEPGRAM_API_KEY and OPENAI_API_KEY (environment or .env) the agent uses the real
services; without them, fakes of both. DATABASE_URL selects a PostgreSQL; without it an
embedded one runs in a temporary folder.`;

export const DEMO_ENGINES = ['cascade', 'self-hosted'] as const;
export type DemoEngine = (typeof DEMO_ENGINES)[number];

export interface DemoFlags {
  readonly engine: DemoEngine;
  readonly vad: 'energy' | 'silero';
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
  const flags: { -readonly [K in keyof DemoFlags]: DemoFlags[K] } = { engine: 'cascade', vad: 'energy', short: false, forceFakes: false, verbose: false, help: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (name === '--engine' || name === '--vad') {
      const value = inline ?? argv[(i += 1)];
      if (name === '--engine') {
        if (!DEMO_ENGINES.includes(value as DemoEngine)) throw new UsageError(`--engine takes ${DEMO_ENGINES.join(' or ')}, not ${value ?? 'nothing'}`);
        flags.engine = value as DemoEngine;
      } else {
        if (value !== 'energy' && value !== 'silero') throw new UsageError(`--vad takes energy or silero, not ${value ?? 'nothing'}`);
        flags.vad = value;
      }
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
  // The self-hosted engine's servers (--engine self-hosted).
  'SELF_HOSTED_STT_URL',
  'SELF_HOSTED_STT_MODEL',
  'SELF_HOSTED_LLM_URL',
  'SELF_HOSTED_LLM_MODEL',
  'SELF_HOSTED_TTS_URL',
  'SELF_HOSTED_TTS_MODEL',
  'SELF_HOSTED_TTS_VOICE',
  'SELF_HOSTED_API_KEY',
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

export function chooseProviders(settings: DemoSettings, forceFakes: boolean, engine: DemoEngine = 'cascade'): ProviderChoice {
  if (forceFakes) return { kind: 'fakes', why: 'forced' };
  if (engine === 'self-hosted') {
    const urls = [settings.SELF_HOSTED_STT_URL, settings.SELF_HOSTED_LLM_URL, settings.SELF_HOSTED_TTS_URL];
    if (urls.every((url) => url === undefined)) return { kind: 'fakes', why: 'no-keys' };
    if (urls.some((url) => url === undefined)) throw new ProviderKeysError('one of SELF_HOSTED_STT_URL, SELF_HOSTED_LLM_URL and SELF_HOSTED_TTS_URL', 'all three');
    const gatewayEnv: Record<string, string> = {};
    for (const [name, value] of Object.entries(settings)) if (name.startsWith('SELF_HOSTED_') && value !== undefined) gatewayEnv[name] = value;
    return { kind: 'real', gatewayEnv: Object.freeze(gatewayEnv) };
  }
  const deepgram = settings.DEEPGRAM_API_KEY !== undefined;
  const openai = settings.OPENAI_API_KEY !== undefined;
  if (!deepgram && !openai) return { kind: 'fakes', why: 'no-keys' };
  if (!deepgram) throw new ProviderKeysError('OPENAI_API_KEY', 'DEEPGRAM_API_KEY');
  if (!openai) throw new ProviderKeysError('DEEPGRAM_API_KEY', 'OPENAI_API_KEY');
  const gatewayEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings)) {
    if (name !== 'DATABASE_URL' && !name.startsWith('SELF_HOSTED_') && value !== undefined) gatewayEnv[name] = value;
  }
  return { kind: 'real', gatewayEnv: Object.freeze(gatewayEnv) };
}
