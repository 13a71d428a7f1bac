// A manager's JSON Schema of a tool's arguments, checked when the tool is
// saved: valid JSON, a valid JSON Schema (draft 2020-12's vocabulary as Ajv
// knows it), an object at the top (function arguments are an object), and
// small enough to send with every request to the model.
import { Ajv } from 'ajv';

export const MAX_SCHEMA_CHARS = 16_000;
const ajv = new Ajv({ strict: false, validateSchema: true });

export type SchemaCheck = { ok: true; schema: Record<string, unknown> } | { ok: false; problem: string };

export function checkToolSchema(text: string): SchemaCheck {
  if (text.length > MAX_SCHEMA_CHARS) return { ok: false, problem: `is longer than ${MAX_SCHEMA_CHARS} characters` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text === '' ? '{"type":"object","properties":{}}' : text);
  } catch (error) {
    return { ok: false, problem: `is not valid JSON (${error instanceof Error ? error.message : 'parse error'})` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, problem: 'must be a JSON object' };
  const schema = parsed as Record<string, unknown>;
  if (schema.type !== 'object') return { ok: false, problem: 'must describe an object: "type": "object" at the top' };
  try {
    ajv.compile(schema);
  } catch (error) {
    return { ok: false, problem: `is not a valid JSON Schema: ${error instanceof Error ? error.message.slice(0, 200) : 'invalid'}` };
  }
  return { ok: true, schema };
}
