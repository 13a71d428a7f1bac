// Loads Asterisk 22's ARI description (Swagger 1.1 api-docs, read from the shared
// reference folder's ari/api-docs/) and turns it into a route tree shaped like Asterisk's own
// (res/ari.c): one node per path segment, a literal child wins over the `{param}` child,
// and there is no backtracking.

import { readFileSync } from 'node:fs';
import { sharedPath } from '../../support/shared-reference.js';

export type ParamLocation = 'path' | 'query' | 'body';

export type AllowableValues =
  | { valueType: 'LIST'; values: string[] }
  | { valueType: 'RANGE'; min?: number; max?: number };

export interface ParamSpec {
  name: string;
  paramType: ParamLocation;
  required: boolean;
  allowMultiple: boolean;
  dataType: string;
  allowableValues?: AllowableValues;
}

export interface OperationSpec {
  /** `<resource file>.<nickname>`, e.g. `channels.externalMedia`. */
  key: string;
  resource: string;
  nickname: string;
  httpMethod: string;
  /** Path template without the `/ari` prefix, e.g. `/channels/{channelId}/answer`. */
  path: string;
  params: ParamSpec[];
  upgrade?: string;
}

export interface RouteNode {
  literal: Map<string, RouteNode>;
  variable: RouteNode | null;
  operations: Map<string, OperationSpec>;
}

export interface ApiDocs {
  /** Parsed resources.json. */
  listing: Record<string, unknown>;
  /** Parsed resource files by name (`channels`, `bridges`, ...). */
  resources: ReadonlyMap<string, Record<string, unknown>>;
  routes: RouteNode;
  operations: readonly OperationSpec[];
}

let cachedDocs: ApiDocs | null = null;

/** Reads the fixture files once per process; the result is shared and never mutated. */
export function loadApiDocs(): ApiDocs {
  if (cachedDocs) return cachedDocs;
  const listing = readJson('resources.json');
  const resources = new Map<string, Record<string, unknown>>();
  const operations: OperationSpec[] = [];
  const routes = newNode();
  for (const entry of asArray(listing['apis'])) {
    const listingPath = String((entry as { path: unknown }).path);
    const name = /\/api-docs\/([A-Za-z]+)\.\{format\}$/.exec(listingPath)?.[1];
    if (!name) throw new Error(`unexpected api-docs listing path ${listingPath}`);
    const resource = readJson(`${name}.json`);
    resources.set(name, resource);
    for (const api of asArray(resource['apis'])) {
      const apiPath = String((api as { path: unknown }).path);
      for (const rawOperation of asArray((api as { operations: unknown }).operations)) {
        const operation = toOperation(name, apiPath, rawOperation as Record<string, unknown>);
        operations.push(operation);
        insertRoute(routes, operation);
      }
    }
  }
  cachedDocs = { listing, resources, routes, operations };
  return cachedDocs;
}

/**
 * The text Asterisk serves for `/ari/api-docs/<fileName>`: the file with `basePath` pointing
 * at the server that answers (key order kept). Null when there is no such file.
 */
export function servedApiDoc(docs: ApiDocs, fileName: string, ariBaseUrl: string): string | null {
  let source: Record<string, unknown> | undefined;
  if (fileName === 'resources.json') source = docs.listing;
  else {
    const name = /^([A-Za-z]+)\.json$/.exec(fileName)?.[1];
    source = name === undefined ? undefined : docs.resources.get(name);
  }
  if (!source) return null;
  return JSON.stringify({ ...source, basePath: ariBaseUrl });
}

export function pathSegments(path: string): string[] {
  return path.split('/').filter((segment) => segment.length > 0);
}

function toOperation(resource: string, path: string, raw: Record<string, unknown>): OperationSpec {
  const params = asArray(raw['parameters']).map((value) => toParam(value as Record<string, unknown>));
  const operation: OperationSpec = {
    key: `${resource}.${String(raw['nickname'])}`,
    resource,
    nickname: String(raw['nickname']),
    httpMethod: String(raw['httpMethod']).toUpperCase(),
    path,
    params,
  };
  if (typeof raw['upgrade'] === 'string') operation.upgrade = raw['upgrade'];
  return operation;
}

function toParam(raw: Record<string, unknown>): ParamSpec {
  const param: ParamSpec = {
    name: String(raw['name']),
    paramType: String(raw['paramType']) as ParamLocation,
    required: raw['required'] === true,
    allowMultiple: raw['allowMultiple'] === true,
    dataType: String(raw['dataType']),
  };
  const allowable = raw['allowableValues'] as Record<string, unknown> | undefined;
  if (allowable?.['valueType'] === 'LIST') {
    param.allowableValues = { valueType: 'LIST', values: asArray(allowable['values']).map(String) };
  } else if (allowable?.['valueType'] === 'RANGE') {
    const range: AllowableValues = { valueType: 'RANGE' };
    if (typeof allowable['min'] === 'number') range.min = allowable['min'];
    if (typeof allowable['max'] === 'number') range.max = allowable['max'];
    param.allowableValues = range;
  }
  return param;
}

function insertRoute(root: RouteNode, operation: OperationSpec): void {
  let node = root;
  for (const segment of pathSegments(operation.path)) {
    if (segment.startsWith('{')) {
      node.variable ??= newNode();
      node = node.variable;
    } else {
      let child = node.literal.get(segment);
      if (!child) {
        child = newNode();
        node.literal.set(segment, child);
      }
      node = child;
    }
  }
  node.operations.set(operation.httpMethod, operation);
}

function newNode(): RouteNode {
  return { literal: new Map(), variable: null, operations: new Map() };
}

function readJson(fileName: string): Record<string, unknown> {
  return JSON.parse(readFileSync(sharedPath('ari', 'api-docs', fileName), 'utf8')) as Record<string, unknown>;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
