// What an outbound call request carries (the admin API, the staff API and the
// CLI accept the same): the number, and the call's purpose: the agent's
// instructions for this call, an optional first sentence, and variables the
// instructions, the first sentence and the voicemail message refer to as {{name}}.
import { z } from 'zod';
import { E164 } from '../admin/admin-schemas.js';

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/;
const MAX_VARIABLES = 20;

export const OutboundCallRequest = z
  .object({
    to: E164,
    purpose: z
      .object({
        instructions: z.string().trim().min(1, 'must not be empty').max(4_000, 'must be at most 4000 characters'),
        greeting: z.string().trim().min(1, 'must not be empty').max(500, 'must be at most 500 characters').optional(),
        variables: z
          .record(z.string().regex(VARIABLE_NAME, 'variable names are letters, digits and _'), z.string().max(500, 'must be at most 500 characters'))
          .refine((variables) => Object.keys(variables).length <= MAX_VARIABLES, `at most ${MAX_VARIABLES} variables`)
          .default({}),
      })
      .strict(),
  })
  .strict();
export type OutboundCallRequest = z.infer<typeof OutboundCallRequest>;

/** `{{name}}` replaced by its variable; the names used that have no value, when any. */
export function fillVariables(template: string, variables: Readonly<Record<string, string>>): { text: string; missing: string[] } {
  const missing = new Set<string>();
  const text = template.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (whole, name: string) => {
    const value = variables[name];
    if (value === undefined) {
      missing.add(name);
      return whole;
    }
    return value;
  });
  return { text, missing: [...missing] };
}
