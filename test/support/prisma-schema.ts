// A strict parser for the subset of the Prisma schema language prisma/schema.prisma
// uses. Anything outside that subset throws (with the line number), so a schema
// test built on it cannot silently skip a construct it does not understand.
// Prisma's engine cannot run everywhere the tests run, hence this parser.

export type Expr =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'ident'; name: string }
  | { kind: 'call'; name: string; args: Arg[] }
  | { kind: 'list'; items: Expr[] };
export interface Arg {
  key?: string;
  value: Expr;
}
interface Attribute {
  name: string;
  args: Arg[];
}

export type ReferentialAction = 'Cascade' | 'SetNull' | 'Restrict' | 'NoAction' | 'SetDefault';
export type DefaultValue =
  | { kind: 'uuid' }
  | { kind: 'now' }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'enum'; value: string };

export interface SchemaField {
  name: string;
  column: string;
  type: string;
  kind: 'scalar' | 'enum' | 'relation';
  optional: boolean;
  list: boolean;
  id: boolean;
  unique: boolean;
  updatedAt: boolean;
  default?: DefaultValue;
  nativeType?: { name: string; args: number[] };
  relation?: { fields: string[]; references: string[]; onDelete?: ReferentialAction; onUpdate?: ReferentialAction };
}
export interface SchemaIndex {
  unique: boolean;
  fields: { name: string; sort: 'Asc' | 'Desc' }[];
}
export interface SchemaModel {
  name: string;
  table: string;
  fields: SchemaField[];
  indexes: SchemaIndex[];
}
export interface SchemaEnum {
  name: string;
  dbName: string;
  values: string[];
}
export interface PrismaSchema {
  models: SchemaModel[];
  enums: SchemaEnum[];
}

const SCALAR_TYPES = new Set(['String', 'Int', 'Boolean', 'DateTime']);
const ACTIONS = new Set<string>(['Cascade', 'SetNull', 'Restrict', 'NoAction', 'SetDefault']);

class SchemaSyntaxError extends Error {
  constructor(line: number, message: string) {
    super(`schema.prisma line ${line}: ${message}`);
  }
}

/** Removes a `//` comment that is not inside a string literal. */
function stripComment(line: string): string {
  let inString = false;
  for (let i = 0; i < line.length; i += 1) {
    const char = line[i];
    if (char === '\\' && inString) i += 1;
    else if (char === '"') inString = !inString;
    else if (!inString && char === '/' && line[i + 1] === '/') return line.slice(0, i);
  }
  return line;
}

/** Parses `@a @b.c(x, k: [y(sort: Desc)])` (field) or `@@a(...)` (block) attributes. */
function parseAttributes(source: string, lineNo: number, prefix: '@' | '@@'): Attribute[] {
  const tokens = source.match(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|@@?[A-Za-z_][\w.]*|[A-Za-z_]\w*|[()[\],:]|\S/g) ?? [];
  let pos = 0;
  const fail = (message: string): never => {
    throw new SchemaSyntaxError(lineNo, `${message} in "${source.trim()}"`);
  };
  const peek = () => tokens[pos];
  const next = () => tokens[pos++] ?? fail('unexpected end');
  const expect = (token: string) => {
    if (next() !== token) fail(`expected "${token}"`);
  };
  const parseArgs = (): Arg[] => {
    const args: Arg[] = [];
    expect('(');
    while (peek() !== ')') {
      let key: string | undefined;
      if (/^[A-Za-z_]\w*$/.test(peek() ?? '') && tokens[pos + 1] === ':') {
        key = next();
        next();
      }
      args.push(key === undefined ? { value: parseExpr() } : { key, value: parseExpr() });
      if (peek() === ',') next();
      else if (peek() !== ')') fail('expected "," or ")"');
    }
    next();
    return args;
  };
  const parseExpr = (): Expr => {
    const token = next();
    if (token.startsWith('"')) return { kind: 'string', value: JSON.parse(token) as string };
    if (/^-?\d/.test(token)) return { kind: 'number', value: Number(token) };
    if (token === '[') {
      const items: Expr[] = [];
      while (peek() !== ']') {
        items.push(parseExpr());
        if (peek() === ',') next();
        else if (peek() !== ']') fail('expected "," or "]"');
      }
      next();
      return { kind: 'list', items };
    }
    if (/^[A-Za-z_]\w*$/.test(token)) {
      return peek() === '(' ? { kind: 'call', name: token, args: parseArgs() } : { kind: 'ident', name: token };
    }
    return fail(`unexpected "${token}"`);
  };
  const attributes: Attribute[] = [];
  while (pos < tokens.length) {
    const token = next();
    const isBlock = token.startsWith('@@');
    if (!token.startsWith('@') || isBlock !== (prefix === '@@')) fail(`expected a ${prefix} attribute, got "${token}"`);
    attributes.push({ name: token.slice(prefix.length), args: peek() === '(' ? parseArgs() : [] });
  }
  return attributes;
}

function onlyArg(attribute: Attribute, kind: Expr['kind'], lineNo: number): Expr {
  const [arg, ...rest] = attribute.args;
  if (!arg || rest.length > 0 || arg.key !== undefined || arg.value.kind !== kind) {
    throw new SchemaSyntaxError(lineNo, `@${attribute.name} takes exactly one ${kind} argument`);
  }
  return arg.value;
}

function identList(expr: Expr | undefined, lineNo: number): string[] {
  if (expr?.kind !== 'list') throw new SchemaSyntaxError(lineNo, 'expected a list of field names');
  return expr.items.map((item) => {
    if (item.kind !== 'ident') throw new SchemaSyntaxError(lineNo, 'expected a field name');
    return item.name;
  });
}

function action(expr: Expr, lineNo: number): ReferentialAction {
  if (expr.kind !== 'ident' || !ACTIONS.has(expr.name)) throw new SchemaSyntaxError(lineNo, 'bad referential action');
  return expr.name as ReferentialAction;
}

function defaultValue(expr: Expr, lineNo: number): DefaultValue {
  if (expr.kind === 'call' && expr.args.length === 0 && (expr.name === 'uuid' || expr.name === 'now')) {
    return { kind: expr.name };
  }
  if (expr.kind === 'string') return { kind: 'string', value: expr.value };
  if (expr.kind === 'number') return { kind: 'number', value: expr.value };
  if (expr.kind === 'ident' && (expr.name === 'true' || expr.name === 'false')) {
    return { kind: 'boolean', value: expr.name === 'true' };
  }
  if (expr.kind === 'ident') return { kind: 'enum', value: expr.name };
  throw new SchemaSyntaxError(lineNo, 'unsupported @default');
}

interface RawField {
  lineNo: number;
  name: string;
  type: string;
  modifier: string;
  attributes: Attribute[];
}
interface Block {
  keyword: string;
  name: string;
  fields: RawField[];
  blockAttributes: { lineNo: number; attribute: Attribute }[];
  enumValues: string[];
}

function readBlocks(source: string): Block[] {
  const blocks: Block[] = [];
  let current: Block | undefined;
  source.split('\n').forEach((rawLine, index) => {
    const lineNo = index + 1;
    const line = stripComment(rawLine).trim();
    if (line === '') return;
    if (!current) {
      const header = /^(model|enum|generator|datasource)\s+([A-Za-z_]\w*)\s*\{$/.exec(line);
      if (!header) throw new SchemaSyntaxError(lineNo, `unexpected "${line}"`);
      current = { keyword: header[1]!, name: header[2]!, fields: [], blockAttributes: [], enumValues: [] };
      return;
    }
    if (line === '}') {
      blocks.push(current);
      current = undefined;
      return;
    }
    if (current.keyword === 'generator' || current.keyword === 'datasource') {
      if (!/^[A-Za-z_]\w*\s*=\s*("(?:[^"\\]|\\.)*"|[A-Za-z_]\w*)$/.test(line)) {
        throw new SchemaSyntaxError(lineNo, `unexpected "${line}" in ${current.keyword}`);
      }
      return;
    }
    if (line.startsWith('@@')) {
      for (const attribute of parseAttributes(line, lineNo, '@@')) current.blockAttributes.push({ lineNo, attribute });
      return;
    }
    if (current.keyword === 'enum') {
      if (!/^[A-Za-z_]\w*$/.test(line)) throw new SchemaSyntaxError(lineNo, `unexpected "${line}" in enum`);
      current.enumValues.push(line);
      return;
    }
    const field = /^([A-Za-z_]\w*)\s+([A-Za-z_]\w*)(\?|\[\])?(?:\s+(.*))?$/.exec(line);
    if (!field) throw new SchemaSyntaxError(lineNo, `unexpected "${line}" in model`);
    const attributes = parseAttributes(field[4] ?? '', lineNo, '@');
    current.fields.push({ lineNo, name: field[1]!, type: field[2]!, modifier: field[3] ?? '', attributes });
  });
  if (current) throw new Error(`schema.prisma: block ${current.name} is not closed`);
  return blocks;
}

function mapName(blockAttributes: Block['blockAttributes'], fallback: string): string {
  let name = fallback;
  for (const { lineNo, attribute } of blockAttributes) {
    if (attribute.name === 'map') name = (onlyArg(attribute, 'string', lineNo) as { value: string }).value;
  }
  return name;
}

function buildField(raw: RawField, enumNames: Set<string>, modelNames: Set<string>): SchemaField {
  const kind = SCALAR_TYPES.has(raw.type)
    ? 'scalar'
    : enumNames.has(raw.type)
      ? 'enum'
      : modelNames.has(raw.type)
        ? 'relation'
        : undefined;
  if (!kind) throw new SchemaSyntaxError(raw.lineNo, `unsupported type ${raw.type}`);
  const field: SchemaField = {
    name: raw.name,
    column: raw.name,
    type: raw.type,
    kind,
    optional: raw.modifier === '?',
    list: raw.modifier === '[]',
    id: false,
    unique: false,
    updatedAt: false,
  };
  for (const attribute of raw.attributes) {
    const noArgs = () => {
      if (attribute.args.length > 0) throw new SchemaSyntaxError(raw.lineNo, `@${attribute.name} takes no arguments`);
    };
    if (attribute.name === 'id' || attribute.name === 'unique' || attribute.name === 'updatedAt') {
      noArgs();
      field[attribute.name] = true;
    } else if (attribute.name === 'map') {
      field.column = (onlyArg(attribute, 'string', raw.lineNo) as { value: string }).value;
    } else if (attribute.name === 'default') {
      const [arg, ...rest] = attribute.args;
      if (!arg || rest.length > 0 || arg.key !== undefined) throw new SchemaSyntaxError(raw.lineNo, 'bad @default');
      field.default = defaultValue(arg.value, raw.lineNo);
    } else if (attribute.name.startsWith('db.')) {
      const args = attribute.args.map((arg) => {
        if (arg.key !== undefined || arg.value.kind !== 'number') {
          throw new SchemaSyntaxError(raw.lineNo, 'bad native type');
        }
        return arg.value.value;
      });
      field.nativeType = { name: attribute.name.slice(3), args };
    } else if (attribute.name === 'relation') {
      const relation: NonNullable<SchemaField['relation']> = { fields: [], references: [] };
      for (const arg of attribute.args) {
        if (arg.key === 'fields') relation.fields = identList(arg.value, raw.lineNo);
        else if (arg.key === 'references') relation.references = identList(arg.value, raw.lineNo);
        else if (arg.key === 'onDelete') relation.onDelete = action(arg.value, raw.lineNo);
        else if (arg.key === 'onUpdate') relation.onUpdate = action(arg.value, raw.lineNo);
        else throw new SchemaSyntaxError(raw.lineNo, `unsupported @relation argument ${arg.key ?? '(positional)'}`);
      }
      field.relation = relation;
    } else throw new SchemaSyntaxError(raw.lineNo, `unsupported attribute @${attribute.name}`);
  }
  if (field.kind === 'relation' ? field.default || field.nativeType || field.id : field.relation) {
    throw new SchemaSyntaxError(raw.lineNo, `attributes do not fit a ${field.kind} field`);
  }
  return field;
}

function buildIndexes(block: Block, fieldNames: Set<string>): SchemaIndex[] {
  const indexes: SchemaIndex[] = [];
  for (const { lineNo, attribute } of block.blockAttributes) {
    if (attribute.name === 'map') continue;
    if (attribute.name !== 'index' && attribute.name !== 'unique') {
      throw new SchemaSyntaxError(lineNo, `unsupported attribute @@${attribute.name}`);
    }
    const list = onlyArg(attribute, 'list', lineNo) as { items: Expr[] };
    const fields = list.items.map((item): SchemaIndex['fields'][number] => {
      if (item.kind === 'ident' && fieldNames.has(item.name)) return { name: item.name, sort: 'Asc' };
      if (item.kind === 'call' && fieldNames.has(item.name) && item.args.length === 1) {
        const [arg] = item.args;
        const sort = arg?.key === 'sort' && arg.value.kind === 'ident' ? arg.value.name : undefined;
        if (sort === 'Asc' || sort === 'Desc') return { name: item.name, sort };
      }
      throw new SchemaSyntaxError(lineNo, `unsupported index column in @@${attribute.name}`);
    });
    indexes.push({ unique: attribute.name === 'unique', fields });
  }
  return indexes;
}

export function parsePrismaSchema(source: string): PrismaSchema {
  const blocks = readBlocks(source);
  const enumNames = new Set(blocks.filter((b) => b.keyword === 'enum').map((b) => b.name));
  const modelNames = new Set(blocks.filter((b) => b.keyword === 'model').map((b) => b.name));
  const enums: SchemaEnum[] = [];
  const models: SchemaModel[] = [];
  for (const block of blocks) {
    if (block.keyword === 'enum') {
      for (const { lineNo, attribute } of block.blockAttributes) {
        if (attribute.name !== 'map') throw new SchemaSyntaxError(lineNo, `unsupported attribute @@${attribute.name}`);
      }
      enums.push({ name: block.name, dbName: mapName(block.blockAttributes, block.name), values: block.enumValues });
    } else if (block.keyword === 'model') {
      const fields = block.fields.map((raw) => buildField(raw, enumNames, modelNames));
      const indexes = buildIndexes(block, new Set(fields.map((field) => field.name)));
      models.push({ name: block.name, table: mapName(block.blockAttributes, block.name), fields, indexes });
    }
  }
  return { models, enums };
}
