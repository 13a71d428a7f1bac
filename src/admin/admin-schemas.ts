// What the admin API and CLI accept: the same rules for both.
import { z } from 'zod';
import { EngineSelection, VadModeSchema } from '../../media/contract/engines.js';
import { passwordProblem } from '../staff/password-policy.js';
export { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../staff/password-policy.js';

/** ITU-T E.164: "+", a country code not starting with 0, at most 15 digits in all. */
export const E164 = z.string().trim().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +19863334949');

/** An IANA time zone (e.g. America/New_York), stored in its canonical spelling. */
export const TimeZone = z
  .string()
  .trim()
  .min(1, 'must be an IANA time zone such as America/New_York')
  .transform((value, context) => {
    try {
      return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
    } catch {
      context.addIssue({ code: 'custom', message: `"${value}" is not an IANA time zone (e.g. America/New_York)` });
      return z.NEVER;
    }
  });

/** An Asterisk dial string for one endpoint: Technology/resource (e.g. PJSIP/100); no options or multiple targets. */
export const TransferTarget = z
  .string()
  .trim()
  .regex(/^[A-Za-z][A-Za-z0-9]*\/[A-Za-z0-9_.@:+#*-]+$/, 'must be an Asterisk dial string such as PJSIP/100');

export const Language = z
  .string()
  .trim()
  .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as en or en-US');

export const Email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ error: 'must be an email address' }))
  .transform((value) => value.toLowerCase());

/** A new password (password-policy.ts: length, not common); the account's email is checked where it is known. */
export const Password = z.string({ error: 'is required' }).superRefine((value, context) => {
  const problem = passwordProblem(value);
  if (problem !== null) context.addIssue({ code: 'custom', message: problem });
});

export const StaffRoleName = z.enum(['staff', 'manager']);

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

/** Local wall-clock time 'HH:MM' (24 h). */
export const ClockTime = z.string().trim().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time such as 09:00');

const WEEKDAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
/** Weekdays given as a list; stored as 'mon,tue,...'. */
export const Weekdays = z
  .array(z.enum(WEEKDAY_NAMES, { error: 'days are mon, tue, wed, thu, fri, sat, sun' }))
  .min(1, 'name at least one day')
  .transform((days) => WEEKDAY_NAMES.filter((day) => days.includes(day)).join(','));

/** How calls are handled: the rollout share, the transfer mode, and what outbound calls may do. */
const CALL_SETTINGS = {
  /** Percentage of inbound calls the AI agent answers (the rest go to transferTarget). */
  aiShare: z.number({ error: 'must be a number' }).int('must be a whole number').min(0).max(100),
  transferMode: z.enum(['cold', 'warm'], { error: 'must be cold or warm' }),
  voicemailMessage: text(1_000).nullable(),
  outboundCallerId: E164.nullable(),
  outboundWindowStart: ClockTime,
  outboundWindowEnd: ClockTime,
  outboundDays: Weekdays,
  outboundMaxConcurrent: z.number().int().min(1).max(100),
  outboundMaxPerMinute: z.number().int().min(1).max(600),
};

const PERSON_NEEDED = 'a business that sends calls to a person (aiShare below 100) needs a transferTarget';

export const BusinessInput = z
  .object({
    name: text(200),
    timezone: TimeZone,
    greeting: text(2_000),
    systemPrompt: text(20_000),
    voice: text(100),
    language: Language.default('en'),
    transferTarget: TransferTarget.nullable().default(null),
    engine: EngineSelection.optional(),
    vadMode: VadModeSchema.optional(),
    ...CALL_SETTINGS,
  })
  .partial({
    aiShare: true,
    transferMode: true,
    voicemailMessage: true,
    outboundCallerId: true,
    outboundWindowStart: true,
    outboundWindowEnd: true,
    outboundDays: true,
    outboundMaxConcurrent: true,
    outboundMaxPerMinute: true,
  })
  .strict()
  .refine((input) => (input.aiShare ?? 100) === 100 || input.transferTarget !== null, { message: PERSON_NEEDED, path: ['aiShare'] });
export type BusinessInput = z.infer<typeof BusinessInput>;

/** Days recordings or transcripts are kept; null keeps them forever. */
const RetentionDays = z.number().int().min(1, 'must be at least 1 day').max(3650, 'must be at most 3650 days').nullable();

export const BusinessPatch = z
  .object({
    recordingRetentionDays: RetentionDays,
    transcriptRetentionDays: RetentionDays,
    name: text(200),
    timezone: TimeZone,
    greeting: text(2_000),
    systemPrompt: text(20_000),
    voice: text(100),
    language: Language,
    transferTarget: TransferTarget.nullable(),
    /** The whole selection: settings left out take their defaults. */
    engine: EngineSelection,
    vadMode: VadModeSchema,
    ...CALL_SETTINGS,
  })
  .partial()
  .strict();
export type BusinessPatch = z.infer<typeof BusinessPatch>;

/** Checks a patch against the business it changes (rules that involve fields it does not give). */
export function patchProblem(current: { aiShare: number; transferTarget: string | null }, patch: BusinessPatch): string | null {
  const aiShare = patch.aiShare ?? current.aiShare;
  const transferTarget = patch.transferTarget === undefined ? current.transferTarget : patch.transferTarget;
  return aiShare < 100 && transferTarget === null ? PERSON_NEEDED : null;
}

/** A staff account's fields; StaffInput adds the check of the password against the email. */
export const StaffFields = z
  .object({
    email: Email,
    displayName: text(200),
    role: StaffRoleName.default('staff'),
    password: Password,
  })
  .strict();

export const StaffInput = StaffFields.superRefine((input, context) => {
  const problem = passwordProblem(input.password, { email: input.email });
  if (problem !== null && problem.includes('email')) context.addIssue({ code: 'custom', path: ['password'], message: problem });
});
export type StaffInput = z.infer<typeof StaffInput>;

/** "field: problem; field: problem" for a failed parse. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'body'}: ${issue.message}`)
    .join('; ');
}
