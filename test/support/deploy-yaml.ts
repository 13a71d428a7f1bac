// The compose file as Docker Compose reads it, through the `yaml` package
// (YAML 1.2, core schema). Strict where a lenient reading could make a check
// pass on a file Compose would read differently:
// - duplicate keys, several documents, any parse error or warning throw;
// - anchors, aliases and `<<` merge keys are resolved as Compose resolves them
//   (merged keys never override the mapping's own), with yaml's alias limit;
// - explicit tags throw: Compose gives `!reset` and `!override` meanings of
//   its own that these checks do not model, and `!!str`-style tags are never
//   needed in our file;
// - keys must be scalars.
// Scalars stay strings as written (`3000`, `0750`, `true`), because Compose
// passes environment values and the like as text; an empty value or `~`/`null`
// is null (in `environment`, Compose then takes the value from its shell).
import { isAlias, isCollection, isNode, isScalar, parseDocument, visit, type Node } from 'yaml';

export type YamlValue = string | null | YamlValue[] | YamlMapping;
export interface YamlMapping {
  [key: string]: YamlValue;
}

export class YamlSyntaxError extends Error {
  constructor(source: string, line: number, message: string) {
    super(`${source}:${line}: ${message}`);
    this.name = 'YamlSyntaxError';
  }
}

function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

/** Parses `text` (named `source` in errors); throws YamlSyntaxError on anything the checks must not guess at. */
export function parseYaml(text: string, source: string): YamlValue {
  const doc = parseDocument(text, { merge: true, uniqueKeys: true, prettyErrors: false });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) throw new YamlSyntaxError(source, lineOf(text, problem.pos[0]), problem.message);

  const fail = (node: Node, message: string): never => {
    throw new YamlSyntaxError(source, lineOf(text, node.range?.[0] ?? 0), message);
  };
  visit(doc, {
    Pair(_key, pair) {
      if (isNode(pair.key) && !isScalar(pair.key) && !isAlias(pair.key)) fail(pair.key, 'a mapping key must be a scalar');
    },
    Alias(_key, alias) {
      if (alias.resolve(doc) === undefined) fail(alias, `alias *${alias.source} has no anchor`);
    },
    Scalar(_key, scalar) {
      if (scalar.tag !== undefined) fail(scalar, `explicit tag ${scalar.tag} (tags are not supported)`);
      // Numbers and booleans keep the text they were written as.
      if (typeof scalar.value === 'number' || typeof scalar.value === 'boolean') scalar.value = scalar.source ?? String(scalar.value);
    },
    Map(_key, map) {
      if (map.tag !== undefined) fail(map, `explicit tag ${map.tag} (tags are not supported)`);
    },
    Seq(_key, seq) {
      if (seq.tag !== undefined) fail(seq, `explicit tag ${seq.tag} (tags are not supported)`);
    },
  });
  if (doc.contents !== null && !isCollection(doc.contents) && !isScalar(doc.contents)) fail(doc.contents, 'unexpected document');
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // yaml refuses an alias expanded more often than the limit (a "billion laughs" document).
    throw new YamlSyntaxError(source, 1, (error as Error).message);
  }
  return value === undefined ? null : (value as YamlValue);
}
