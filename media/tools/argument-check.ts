// Checks the model's arguments against a tool's JSON Schema before the tool is
// called: a wrong call gets a clear error the model can correct, and the
// business's service never sees it. Schemas are compiled once per text.
import { Ajv, type ValidateFunction } from 'ajv';

const ajv = new Ajv({ allErrors: false, strict: false, validateSchema: true });
const compiled = new Map<string, ValidateFunction | null>();
/** Distinct schemas kept compiled; beyond, the oldest is dropped. */
const MAX_COMPILED = 500;

function validatorFor(schema: Record<string, unknown>): ValidateFunction | null {
  const key = JSON.stringify(schema);
  const known = compiled.get(key);
  if (known !== undefined) return known;
  let validate: ValidateFunction | null;
  try {
    validate = ajv.compile(schema);
  } catch {
    // A schema Ajv cannot compile (an MCP server's own dialect): the server checks its arguments itself.
    validate = null;
  }
  compiled.set(key, validate);
  if (compiled.size > MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
  return validate;
}

/** Null when `args` satisfies `schema`, else what is wrong (for the model). */
export function argumentProblem(schema: Record<string, unknown>, args: unknown): string | null {
  const validate = validatorFor(schema);
  if (validate === null || validate(args)) return null;
  const error = validate.errors?.[0];
  if (!error) return 'the arguments do not match the tool’s schema';
  const where = error.instancePath === '' ? 'the arguments' : `argument ${error.instancePath.slice(1).replaceAll('/', '.')}`;
  return `${where} ${error.message ?? 'is invalid'}`;
}
