// The admin CLI's commands: arguments -> validated input -> AdminService.
import { parseArgs } from 'node:util';
import type { z } from 'zod';
import type { PrismaClient } from '../db/index.js';
import { BusinessInput, BusinessPatch, E164, Email, Password, StaffFields, StaffInput } from './admin-schemas.js';
import { AdminService, type BusinessView, type StaffView } from './admin-service.js';
import { readPassword } from './cli-password.js';
import { CliUsageError } from './cli-usage-error.js';
import { CALL_COMMANDS, CALL_USAGE } from './cli-call-commands.js';
import type { CliCommand, CommandContext, OptionValues } from './cli-command.js';
import { ExtensionService } from './extension-service.js';

export const USAGE = `usage: npm run admin -- <command> [options]

commands:
  business:create --name <name> --timezone <IANA zone> --greeting <text>
                  --system-prompt <text> --voice <voice>
                  [--language <tag, default en>] [--transfer-target <dial string, e.g. PJSIP/100>]
  business:list [--json]
  business:engine --business <id> [--engine cascade|openai-realtime|self-hosted]
                  [--model <name>] [--voice <name>] [--turn-detection server|local]
                  [--llm-model <name>] [--tts-voice <name>] [--language <tag>]
                  [--vad energy|silero]
                  (settings left out take their defaults; without --engine and --vad it prints the current ones)
  number:add --business <id> --number <+E.164>
  number:remove --number <+E.164>
  staff:create --business <id> --email <email> --name <display name>
               [--role staff|manager] [--password-stdin]
  staff:list --business <id> [--json]
  staff:disable --email <email>
  staff:reset-password --email <email> [--password-stdin]
${CALL_USAGE}

Passwords are typed on the terminal (not echoed) or, with --password-stdin,
read from standard input; never give them as arguments.
The database is DATABASE_URL (environment or .env), else the embedded
PostgreSQL in EMBEDDED_PG_DIR (default .data/postgres).`;

type Command = CliCommand;
export type { CommandContext };

/** Option names for the schema fields, so errors name what the user typed. */
const OPTION_OF_FIELD: Record<string, string> = {
  name: '--name',
  timezone: '--timezone',
  greeting: '--greeting',
  systemPrompt: '--system-prompt',
  voice: '--voice',
  language: '--language',
  transferTarget: '--transfer-target',
  email: '--email',
  displayName: '--name',
  role: '--role',
  password: 'password',
  engine: '--engine',
  vadMode: '--vad',
};

/** Options of business:engine per setting of the engine selection (media/contract/engines.ts). */
const ENGINE_SETTING_OPTIONS: Record<string, string> = {
  model: 'model',
  voice: 'voice',
  turnDetection: 'turn-detection',
  llmModel: 'llm-model',
  ttsVoice: 'tts-voice',
  language: 'language',
};

function validated<T>(schema: z.ZodType<T>, input: unknown, fallbackOption?: string): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const field = issue.path[0];
    const setting = issue.path[0] === 'engine' ? issue.path[1] : undefined;
    const option =
      typeof setting === 'string' && setting in ENGINE_SETTING_OPTIONS
        ? `--${ENGINE_SETTING_OPTIONS[setting]}`
        : typeof field === 'string'
          ? (OPTION_OF_FIELD[field] ?? field)
          : (fallbackOption ?? 'value');
    return `${option}: ${issue.message}`;
  });
  throw new CliUsageError(problems.join('; '));
}

const str = (value: OptionValues[string]): string | undefined => (typeof value === 'string' ? value : undefined);

function businessLine(business: BusinessView): string {
  const numbers = business.phoneNumbers.length > 0 ? business.phoneNumbers.join(',') : '-';
  return [business.id, business.name, business.timezone, numbers, `${business.staffCount} staff`, engineText(business)].join('\t');
}

function engineText(business: BusinessView): string {
  const { name, ...settings } = business.engine;
  // A structured setting (the backchannel phrases) prints as JSON, not as "[object Object]".
  const details = Object.entries(settings).map(([key, value]) => `${key}=${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}`);
  return [`engine=${name}`, ...details, `vad=${business.vadMode}`].join(' ');
}

function staffLine(user: StaffView): string {
  const state = user.disabledAt ? `disabled ${user.disabledAt}` : 'active';
  return [user.id, user.email, user.displayName, user.role, state].join('\t');
}

export const COMMANDS: Record<string, Command> = {
  'business:create': {
    options: {
      name: { type: 'string' },
      timezone: { type: 'string' },
      greeting: { type: 'string' },
      'system-prompt': { type: 'string' },
      voice: { type: 'string' },
      language: { type: 'string' },
      'transfer-target': { type: 'string' },
    },
    required: ['name', 'timezone', 'greeting', 'system-prompt', 'voice'],
    async run(values, { admin, print, audit }) {
      const input = validated(BusinessInput, {
        name: values.name,
        timezone: values.timezone,
        greeting: values.greeting,
        systemPrompt: values['system-prompt'],
        voice: values.voice,
        language: str(values.language),
        transferTarget: str(values['transfer-target']) ?? null,
      });
      const business = await admin.createBusiness(input);
      await audit('business_created', business.id, business.name);
      print(`created business ${business.id} (${business.name})`);
    },
  },
  'business:list': {
    options: { json: { type: 'boolean' } },
    required: [],
    async run(values, { admin, print }) {
      const businesses = await admin.listBusinesses();
      if (values.json) return print(JSON.stringify(businesses, null, 2));
      if (businesses.length === 0) return print('no businesses');
      for (const business of businesses) print(businessLine(business));
    },
  },
  'business:engine': {
    options: {
      business: { type: 'string' },
      engine: { type: 'string' },
      vad: { type: 'string' },
      ...Object.fromEntries(Object.values(ENGINE_SETTING_OPTIONS).map((option) => [option, { type: 'string' as const }])),
    },
    required: ['business'],
    async run(values, { admin, print, audit }) {
      const business = String(values.business);
      const settings = Object.fromEntries(
        Object.entries(ENGINE_SETTING_OPTIONS)
          .map(([field, option]) => [field, str(values[option])] as const)
          .filter(([, value]) => value !== undefined),
      );
      const name = str(values.engine);
      if (name === undefined && Object.keys(settings).length > 0) throw new CliUsageError('business:engine: settings need --engine (the whole selection is set at once)');
      const patch = validated(BusinessPatch, {
        ...(name !== undefined ? { engine: { name, ...settings } } : {}),
        ...(str(values.vad) !== undefined ? { vadMode: str(values.vad) } : {}),
      });
      const changed = Object.keys(patch);
      const updated = changed.length > 0 ? await admin.updateBusiness(business, patch) : await admin.getBusiness(business);
      if (changed.length > 0) await audit('settings_changed', updated.id, `changed: ${changed.join(', ')}`);
      print(`business ${updated.id} (${updated.name}): ${engineText(updated)}`);
    },
  },
  'number:add': {
    options: { business: { type: 'string' }, number: { type: 'string' } },
    required: ['business', 'number'],
    async run(values, { admin, print, audit }) {
      const e164 = validated(E164, values.number, '--number');
      const business = await admin.addNumber(String(values.business), e164);
      await audit('number_added', business.id, e164);
      print(`added ${e164} to business ${business.id} (${business.name})`);
    },
  },
  'number:remove': {
    options: { number: { type: 'string' } },
    required: ['number'],
    async run(values, { admin, print, audit }) {
      const e164 = validated(E164, values.number, '--number');
      const owner = await admin.removeNumber(e164);
      await audit('number_removed', owner, e164);
      print(`removed ${e164}`);
    },
  },
  'staff:create': {
    options: {
      business: { type: 'string' },
      email: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      'password-stdin': { type: 'boolean' },
    },
    required: ['business', 'email', 'name'],
    async run(values, { admin, print, audit }) {
      const fields = { email: values.email, displayName: values.name, role: str(values.role) };
      // Checked before asking for a password, so a typo does not cost one.
      validated(StaffFields.omit({ password: true }), fields);
      const password = validated(Password, await readPassword(values['password-stdin'] === true), 'password');
      const user = await admin.createStaff(String(values.business), validated(StaffInput, { ...fields, password }));
      await audit('staff_created', user.businessId, `${user.email} (${user.role})`, `staff:${user.id}`);
      print(`created ${user.role} ${user.email} (${user.id}) for business ${user.businessId}`);
    },
  },
  'staff:list': {
    options: { business: { type: 'string' }, json: { type: 'boolean' } },
    required: ['business'],
    async run(values, { admin, print }) {
      const staff = await admin.listStaff(String(values.business));
      if (values.json) return print(JSON.stringify(staff, null, 2));
      if (staff.length === 0) return print('no staff accounts');
      for (const user of staff) print(staffLine(user));
    },
  },
  'staff:disable': {
    options: { email: { type: 'string' } },
    required: ['email'],
    async run(values, { admin, print, audit }) {
      const email = validated(Email, values.email, '--email');
      const user = await admin.disableStaff({ email });
      await audit('staff_disabled', user.businessId, user.email, `staff:${user.id}`);
      print(`disabled ${user.email}; their sessions ended`);
    },
  },
  'staff:reset-password': {
    options: { email: { type: 'string' }, 'password-stdin': { type: 'boolean' } },
    required: ['email'],
    async run(values, { admin, print, audit }) {
      const email = validated(Email, values.email, '--email');
      await admin.getStaff({ email });
      const password = validated(Password, await readPassword(values['password-stdin'] === true), 'password');
      const user = await admin.resetPassword({ email }, password);
      await audit('staff_password_reset', user.businessId, `${user.email}; their sessions ended`, `staff:${user.id}`);
      print(`password of ${user.email} changed; their sessions ended`);
    },
  },
};

/** The command and its option values, or a CliUsageError saying what is wrong. */
export function parseCommand(argv: string[]): { name: string; command: Command; values: OptionValues } {
  const [name, ...rest] = argv;
  if (name === undefined) throw new CliUsageError('');
  const command = COMMANDS[name] ?? CALL_COMMANDS[name];
  if (!command) throw new CliUsageError(`unknown command "${name}"`);
  let values: OptionValues;
  try {
    values = parseArgs({ args: rest, options: command.options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new CliUsageError(`${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const missing = command.required.filter((option) => typeof values[option] !== 'string' || values[option] === '');
  if (missing.length > 0) throw new CliUsageError(`${name}: missing ${missing.map((option) => `--${option}`).join(', ')}`);
  return { name, command, values };
}

export function adminServiceFor(prisma: PrismaClient): AdminService {
  return new AdminService(prisma);
}

export function extensionServiceFor(prisma: PrismaClient): ExtensionService {
  return new ExtensionService(prisma);
}
