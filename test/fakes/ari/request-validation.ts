// Matches a request against the api-docs route tree and checks its parameters against the
// operation's description. Pure: returns problems as one-line strings, never throws.

import { pathSegments, type OperationSpec, type ParamSpec, type RouteNode } from './api-docs.js';

export type RouteMatch =
  | { kind: 'not-found' }
  | { kind: 'method-not-allowed'; allowedMethods: string[] }
  | { kind: 'found'; operation: OperationSpec; pathParams: Record<string, string> };

/** The query parameter every operation accepts (credentials). */
export const API_KEY_PARAM = 'api_key';

/**
 * Walks the tree the way Asterisk does: literal child first, else the `{param}` child, else
 * 404. A node reached without a handler for the method is a 405, intermediate nodes included.
 */
export function matchRoute(root: RouteNode, method: string, ariRelativePath: string): RouteMatch {
  const segments = pathSegments(ariRelativePath);
  let node = root;
  for (const segment of segments) {
    const next = node.literal.get(segment) ?? node.variable;
    if (!next) return { kind: 'not-found' };
    node = next;
  }
  const operation = node.operations.get(method);
  if (!operation) return { kind: 'method-not-allowed', allowedMethods: [...node.operations.keys()] };
  const pathParams: Record<string, string> = {};
  pathSegments(operation.path).forEach((templateSegment, index) => {
    const name = /^\{(.+)\}$/.exec(templateSegment)?.[1];
    const value = segments[index];
    if (name !== undefined && value !== undefined) pathParams[name] = value;
  });
  return { kind: 'found', operation, pathParams };
}

/**
 * Problems of a request's parameters against its operation: unknown names, missing or empty
 * required ones, wrong data types, values outside allowableValues. `body` is the parsed JSON
 * body (null when there was none); Asterisk also reads an operation's query parameters from
 * a JSON body object, so its fields may name query parameters as well as body parameters.
 */
export function validateParams(
  operation: OperationSpec,
  query: ReadonlyMap<string, string>,
  body: unknown,
): string[] {
  const problems: string[] = [];
  const byName = new Map(operation.params.map((param) => [param.name, param]));
  for (const [name, value] of query) {
    if (name === API_KEY_PARAM) continue;
    const spec = byName.get(name);
    if (!spec || spec.paramType !== 'query') {
      problems.push(`unknown query parameter '${name}'`);
      continue;
    }
    const values = spec.allowMultiple ? value.split(',') : [value];
    for (const single of values) {
      const problem = valueProblem(spec, single);
      if (problem) problems.push(problem);
    }
  }
  const bodyFields = bodyProblems(byName, body, problems);
  for (const spec of operation.params) {
    if (!spec.required || spec.paramType === 'path') continue;
    const present = spec.paramType === 'query' ? (query.get(spec.name) ?? bodyFields.get(spec.name)) : bodyFields.get(spec.name);
    if (present === undefined) problems.push(`missing required ${spec.paramType} parameter '${spec.name}'`);
    else if (present === '') problems.push(`required ${spec.paramType} parameter '${spec.name}' is empty`);
  }
  return problems;
}

/** Checks the JSON body; returns its fields as strings ('' for empty) for the required check. */
function bodyProblems(byName: ReadonlyMap<string, ParamSpec>, body: unknown, problems: string[]): Map<string, string> {
  const fields = new Map<string, string>();
  if (body === null || body === undefined) return fields;
  if (typeof body !== 'object' || Array.isArray(body)) {
    problems.push('request body is not a JSON object');
    return fields;
  }
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    const spec = byName.get(name);
    if (!spec || spec.paramType === 'path') {
      problems.push(`unknown body field '${name}'`);
      continue;
    }
    if (spec.paramType === 'body') {
      const problem = containerProblem(spec, value);
      if (problem) problems.push(problem);
      fields.set(name, problem ? '' : 'present');
      continue;
    }
    const values = bodyFieldValues(spec, value);
    if (values === null) {
      problems.push(`body field '${name}' must be a JSON ${spec.allowMultiple ? 'string or array' : 'scalar'}`);
      continue;
    }
    for (const single of values) {
      const problem = valueProblem(spec, single);
      if (problem) problems.push(problem);
    }
    fields.set(name, values.join(','));
  }
  return fields;
}

function bodyFieldValues(spec: ParamSpec, value: unknown): string[] | null {
  if (typeof value === 'string') return spec.allowMultiple ? value.split(',') : [value];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  if (spec.allowMultiple && Array.isArray(value) && value.every((item): item is string => typeof item === 'string')) return value;
  return null;
}

function containerProblem(spec: ParamSpec, value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `body field '${spec.name}' must be a JSON object`;
  }
  if (spec.dataType === 'containers') {
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (typeof item !== 'string') return `body field '${spec.name}.${key}' must be a string`;
    }
  }
  return null;
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function valueProblem(spec: ParamSpec, value: string): string | null {
  const label = `parameter '${spec.name}'`;
  switch (spec.dataType) {
    case 'int':
    case 'long': {
      if (!/^[+-]?\d+$/.test(value)) return `${label} expects ${spec.dataType}, got '${value}'`;
      const number = Number(value);
      if (spec.dataType === 'int' && (number < INT32_MIN || number > INT32_MAX)) return `${label} out of int range: '${value}'`;
      return rangeProblem(spec, number, value);
    }
    case 'double': {
      const number = Number(value);
      if (value.trim() === '' || !Number.isFinite(number)) return `${label} expects double, got '${value}'`;
      return rangeProblem(spec, number, value);
    }
    case 'boolean':
      return value === 'true' || value === 'false' ? null : `${label} expects boolean (true|false), got '${value}'`;
    case 'string':
      return listProblem(spec, value);
    default:
      return `${label} has unsupported dataType ${spec.dataType}`;
  }
}

function listProblem(spec: ParamSpec, value: string): string | null {
  const allowable = spec.allowableValues;
  if (allowable?.valueType !== 'LIST' || allowable.values.includes(value)) return null;
  return `parameter '${spec.name}' value '${value}' is not one of [${allowable.values.join(', ')}]`;
}

function rangeProblem(spec: ParamSpec, number: number, raw: string): string | null {
  const allowable = spec.allowableValues;
  if (allowable?.valueType !== 'RANGE') return null;
  if (allowable.min !== undefined && number < allowable.min) return `parameter '${spec.name}' value ${raw} is below minimum ${allowable.min}`;
  if (allowable.max !== undefined && number > allowable.max) return `parameter '${spec.name}' value ${raw} is above maximum ${allowable.max}`;
  return null;
}
