// A strict reader for the YAML subset our compose file is written in: block
// mappings, block sequences (items may start a mapping: `- key: value`),
// plain, 'single' and "double" quoted scalars, and # comments. Everything else
// YAML allows (flow collections, anchors and aliases, tags, block scalars,
// multi-line scalars, several documents, tabs in indentation, duplicate keys)
// throws with the line number, so the checks never read a file differently
// from Docker Compose without saying so. Scalars stay strings; an empty value
// is null.

export type YamlValue = string | null | YamlValue[] | YamlMapping;
export interface YamlMapping {
  [key: string]: YamlValue;
}

export class YamlSubsetError extends Error {
  constructor(source: string, lineNumber: number, message: string) {
    super(`${source}:${lineNumber}: ${message}`);
    this.name = 'YamlSubsetError';
  }
}

interface Line {
  readonly number: number;
  readonly indent: number;
  readonly text: string;
}

const FORBIDDEN_SCALAR_START = /^[[\]{}&*!|>%@`?,]/;

/** Removes a trailing comment (a # at the start or after whitespace, outside quotes). */
function stripComment(raw: string, fail: (message: string) => never): string {
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < raw.length; i++) {
    const char = raw[i];
    if (quote === '"' && char === '\\') {
      i++;
    } else if (quote !== null) {
      if (char === quote) quote = null;
    } else if ((char === '"' || char === "'") && (i === 0 || /[\s:-]/.test(raw[i - 1] ?? ''))) {
      quote = char;
    } else if (char === '#' && (i === 0 || /\s/.test(raw[i - 1] ?? ''))) {
      return raw.slice(0, i).trimEnd();
    }
  }
  if (quote !== null) fail('unterminated quoted scalar (multi-line scalars are not supported)');
  return raw.trimEnd();
}

function readLines(text: string, source: string): Line[] {
  const lines: Line[] = [];
  text.split('\n').forEach((rawLine, index) => {
    const number = index + 1;
    const fail = (message: string): never => {
      throw new YamlSubsetError(source, number, message);
    };
    const raw = rawLine.replace(/\r$/, '');
    const indentMatch = /^[ \t]*/.exec(raw)?.[0] ?? '';
    if (indentMatch.includes('\t')) fail('tab in indentation');
    const text = stripComment(raw.slice(indentMatch.length), fail);
    if (text === '') return;
    if (/^(---|\.\.\.)(\s|$)/.test(text) || text.startsWith('%')) fail('document markers and directives are not supported');
    lines.push({ number, indent: indentMatch.length, text });
  });
  return lines;
}

export function parseScalar(text: string, fail: (message: string) => never): string {
  if (text.startsWith('"')) {
    if (text.length < 2 || !text.endsWith('"')) fail(`malformed double-quoted scalar ${text}`);
    const body = text.slice(1, -1);
    let out = '';
    for (let i = 0; i < body.length; i++) {
      const char = body[i]!;
      if (char === '"') fail(`unescaped quote inside ${text}`);
      if (char !== '\\') {
        out += char;
        continue;
      }
      const escaped = body[++i];
      const replacement = escaped === undefined ? undefined : { '\\': '\\', '"': '"', n: '\n', t: '\t' }[escaped];
      if (replacement === undefined) fail(`unsupported escape \\${escaped ?? ''} in ${text}`);
      out += replacement;
    }
    return out;
  }
  if (text.startsWith("'")) {
    if (text.length < 2 || !text.endsWith("'")) fail(`malformed single-quoted scalar ${text}`);
    const body = text.slice(1, -1);
    if (/'(?!')/.test(body.replace(/''/g, ''))) fail(`unescaped quote inside ${text}`);
    return body.replace(/''/g, "'");
  }
  if (FORBIDDEN_SCALAR_START.test(text)) fail(`unsupported YAML syntax: ${text}`);
  if (/^-(\s|$)/.test(text)) fail(`unexpected sequence item: ${text}`);
  if (/:(\s|$)/.test(text)) fail(`ambiguous plain scalar (contains ": "): ${text}`);
  return text;
}

/** Splits `key: value` / `key:` at the mapping colon; null when the text is no mapping entry. */
function splitKey(text: string, fail: (message: string) => never): { key: string; rest: string } | null {
  let keyEnd: number;
  let key: string;
  if (text.startsWith('"') || text.startsWith("'")) {
    const quote = text[0]!;
    const close = text.indexOf(quote, 1);
    if (close < 0) fail(`unterminated quoted key: ${text}`);
    key = parseScalar(text.slice(0, close + 1), fail);
    keyEnd = close + 1;
    if (text[keyEnd] !== ':') return null;
  } else {
    const match = /:(\s|$)/.exec(text);
    if (!match) return null;
    keyEnd = match.index;
    key = text.slice(0, keyEnd);
    if (!/^[A-Za-z0-9_.$-][A-Za-z0-9_.$/-]*$/.test(key)) fail(`unsupported mapping key: ${key}`);
  }
  return { key, rest: text.slice(keyEnd + 1).trim() };
}

class Reader {
  private index = 0;

  constructor(
    private readonly lines: Line[],
    private readonly source: string,
  ) {}

  private fail(line: Line | undefined, message: string): never {
    throw new YamlSubsetError(this.source, line?.number ?? this.lines.length, message);
  }

  private failer(line: Line): (message: string) => never {
    return (message) => this.fail(line, message);
  }

  parseDocument(): YamlValue {
    const first = this.lines[0];
    if (!first) return null;
    if (first.indent !== 0) this.fail(first, 'the document must start at column 0');
    const value = this.parseBlock(0);
    const extra = this.lines[this.index];
    if (extra) this.fail(extra, 'unexpected indentation');
    return value;
  }

  private parseBlock(indent: number): YamlValue {
    const line = this.lines[this.index]!;
    return /^-(\s|$)/.test(line.text) ? this.parseSequence(indent) : this.parseMapping(indent, null);
  }

  /** `first` is the rest of a `- key: value` line, which opens a mapping at `indent`. */
  private parseMapping(indent: number, first: Line | null): YamlMapping {
    const mapping: YamlMapping = {};
    let pending = first;
    for (;;) {
      const line = pending ?? this.lines[this.index];
      if (!line || line.indent < indent) break;
      if (line.indent > indent) this.fail(line, 'unexpected indentation');
      if (/^-(\s|$)/.test(line.text)) this.fail(line, 'a sequence item where a mapping entry was expected');
      if (pending) pending = null;
      else this.index++;
      const entry = splitKey(line.text, this.failer(line));
      if (!entry) this.fail(line, `expected "key: value", found: ${line.text}`);
      if (Object.hasOwn(mapping, entry.key)) this.fail(line, `duplicate key ${entry.key}`);
      mapping[entry.key] = entry.rest === '' ? this.parseNested(indent, line) : parseScalar(entry.rest, this.failer(line));
    }
    return mapping;
  }

  private parseNested(parentIndent: number, parent: Line): YamlValue {
    const next = this.lines[this.index];
    if (!next || next.indent < parentIndent) return null;
    if (next.indent === parentIndent) {
      if (/^-(\s|$)/.test(next.text)) this.fail(next, `indent the sequence under "${parent.text}"`);
      return null;
    }
    return this.parseBlock(next.indent);
  }

  private parseSequence(indent: number): YamlValue[] {
    const items: YamlValue[] = [];
    for (;;) {
      const line = this.lines[this.index];
      if (!line || line.indent < indent) break;
      if (line.indent > indent) this.fail(line, 'unexpected indentation');
      if (!/^-(\s|$)/.test(line.text)) this.fail(line, 'a mapping entry where a sequence item was expected');
      this.index++;
      const rest = line.text.slice(1).trimStart();
      if (rest === '') {
        items.push(this.parseNested(indent, line));
        continue;
      }
      const itemIndent = indent + (line.text.length - rest.length);
      if (splitKey(rest, this.failer(line))) {
        items.push(this.parseMapping(itemIndent, { number: line.number, indent: itemIndent, text: rest }));
      } else {
        items.push(parseScalar(rest, this.failer(line)));
        const next = this.lines[this.index];
        if (next && next.indent > indent) this.fail(next, 'unexpected indentation');
      }
    }
    return items;
  }
}

/** Parses `text` (named `source` in errors); throws YamlSubsetError on anything outside the subset. */
export function parseYamlSubset(text: string, source: string): YamlValue {
  return new Reader(readLines(text, source), source).parseDocument();
}
