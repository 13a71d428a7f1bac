// prisma/schema.prisma as Prisma itself reads it: the DMMF from Prisma's own
// schema engine (WebAssembly, in @prisma/get-dmmf; no engine download, no
// network), reduced to what the schema test compares with the migrated
// database. A schema Prisma rejects throws Prisma's message with the line.
// What the test's derivation of the expected PostgreSQL shape does not cover
// (defaults other than uuid()/now()/literals, composite types, index
// algorithms, operator classes, prefix lengths, scalar lists) throws here, so
// the test never passes by skipping a construct. Fields the DMMF leaves out
// (Unsupported(...) types, @ignore) have columns the test finds unexpected.
import { getDMMF, type GetDMMFError } from '@prisma/get-dmmf';
import { stripVTControlCharacters } from 'node:util';

type Document = Exclude<ReturnType<typeof getDMMF>, GetDMMFError>;
type DmmfModel = Document['datamodel']['models'][number];
type DmmfField = DmmfModel['fields'][number];

export type ReferentialAction = 'Cascade' | 'SetNull' | 'Restrict' | 'NoAction' | 'SetDefault';
export type DefaultValue =
  | { kind: 'uuid' }
  | { kind: 'now' }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  /** The enum value as stored (its @map name if it has one). */
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
  kind: 'primary' | 'unique' | 'index';
  /** The name given with map: (else Prisma's convention applies). */
  name: string | null;
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
  /** Values as stored (their @map names where given), in order. */
  values: string[];
}
export interface PrismaSchema {
  models: SchemaModel[];
  enums: SchemaEnum[];
}

export class PrismaSchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PrismaSchemaError';
  }
}

const ACTIONS = new Set<string>(['Cascade', 'SetNull', 'Restrict', 'NoAction', 'SetDefault']);
const INDEX_KINDS = { id: 'primary', unique: 'unique', normal: 'index' } as const;

function action(value: string | undefined, where: string): ReferentialAction | undefined {
  if (value === undefined) return undefined;
  if (!ACTIONS.has(value)) throw new PrismaSchemaError(`${where}: unsupported referential action ${value}`);
  return value as ReferentialAction;
}

/** Prisma's validation report: JSON whose message is coloured for a terminal. */
function engineMessage(error: GetDMMFError): string {
  let text = error.error.message;
  try {
    text = (JSON.parse(text) as { message?: string }).message ?? text;
  } catch {
    // Not JSON: the message as it is.
  }
  return stripVTControlCharacters(text);
}

/** Array.isArray, narrowing readonly arrays too. */
function isList(value: unknown): value is readonly unknown[] {
  return Array.isArray(value);
}

function defaultValue(field: DmmfField, enumValue: (value: string) => string, where: string): DefaultValue | undefined {
  const value = field.default;
  if (value === undefined) return undefined;
  if (isList(value)) throw new PrismaSchemaError(`${where}: scalar list defaults are not covered`);
  if (typeof value === 'object') {
    if (value.name === 'uuid' || value.name === 'now') return { kind: value.name };
    throw new PrismaSchemaError(`${where}: unsupported @default(${value.name}(${value.args.join(', ')}))`);
  }
  if (field.kind === 'enum') return { kind: 'enum', value: enumValue(String(value)) };
  if (typeof value === 'string') return { kind: 'string', value };
  if (typeof value === 'number') return { kind: 'number', value };
  return { kind: 'boolean', value };
}

function toField(field: DmmfField, modelName: string, enums: Document['datamodel']['enums']): SchemaField {
  const where = `${modelName}.${field.name}`;
  if (field.kind === 'unsupported') throw new PrismaSchemaError(`${where}: Unsupported("${field.type}") is not covered`);
  const enumDef = enums.find((candidate) => candidate.name === field.type);
  const enumValue = (value: string): string => enumDef?.values.find((candidate) => candidate.name === value)?.dbName ?? value;
  const out: SchemaField = {
    name: field.name,
    column: field.dbName ?? field.name,
    type: field.type,
    kind: field.kind === 'object' ? 'relation' : field.kind,
    optional: !field.isRequired,
    list: field.isList,
    id: field.isId,
    unique: field.isUnique,
    updatedAt: field.isUpdatedAt === true,
  };
  const defaultOf = defaultValue(field, enumValue, where);
  if (defaultOf) out.default = defaultOf;
  if (field.nativeType) {
    const [name, args] = field.nativeType;
    out.nativeType = {
      name,
      args: args.map((arg) => {
        if (!/^\d+$/.test(arg)) throw new PrismaSchemaError(`${where}: native type argument ${arg} is not covered`);
        return Number(arg);
      }),
    };
  }
  if (field.kind === 'object') {
    const onDelete = action(field.relationOnDelete, where);
    const onUpdate = action(field.relationOnUpdate, where);
    out.relation = {
      fields: [...(field.relationFromFields ?? [])],
      references: [...(field.relationToFields ?? [])],
      ...(onDelete ? { onDelete } : {}),
      ...(onUpdate ? { onUpdate } : {}),
    };
  }
  return out;
}

function toIndexes(document: Document, model: DmmfModel): SchemaIndex[] {
  return document.datamodel.indexes
    .filter((index) => index.model === model.name)
    .map((index) => {
      const where = `${model.name}: @@${index.type}`;
      if (index.type === 'fulltext') throw new PrismaSchemaError(`${where}: full-text indexes are not covered`);
      if (index.algorithm !== undefined) throw new PrismaSchemaError(`${where}: index algorithm ${index.algorithm} is not covered`);
      if (index.clustered !== undefined) throw new PrismaSchemaError(`${where}: clustered indexes are not covered`);
      return {
        kind: INDEX_KINDS[index.type],
        name: index.dbName ?? null,
        fields: index.fields.map((field) => {
          if (field.length !== undefined || field.operatorClass !== undefined) {
            throw new PrismaSchemaError(`${where}: prefix lengths and operator classes are not covered (${field.name})`);
          }
          return { name: field.name, sort: field.sortOrder === 'desc' ? ('Desc' as const) : ('Asc' as const) };
        }),
      };
    });
}

export function parsePrismaSchema(source: string): PrismaSchema {
  const document = getDMMF({ datamodel: source });
  if (!('datamodel' in document)) throw new PrismaSchemaError(engineMessage(document));
  const { datamodel } = document;
  if (datamodel.types.length > 0) throw new PrismaSchemaError(`composite types (${datamodel.types.map((type) => type.name).join(', ')}) are not covered`);
  const enums: SchemaEnum[] = datamodel.enums.map((enumDef) => ({
    name: enumDef.name,
    dbName: enumDef.dbName ?? enumDef.name,
    values: enumDef.values.map((value) => value.dbName ?? value.name),
  }));
  const models: SchemaModel[] = datamodel.models.map((model) => {
    if (model.schema) throw new PrismaSchemaError(`${model.name}: database schemas (@@schema) are not covered`);
    return {
      name: model.name,
      table: model.dbName ?? model.name,
      fields: model.fields.map((field) => toField(field, model.name, datamodel.enums)),
      indexes: toIndexes(document, model),
    };
  });
  return { models, enums };
}
