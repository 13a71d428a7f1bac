// The migrated database must be exactly what Prisma derives from prisma/schema.prisma
// (the hand-written migrations stand in for `prisma migrate dev`). Only the public
// schema is Prisma's: the `asterisk` schema holds Asterisk's realtime tables, checked
// against Asterisk's own schema by realtime-schema.test.ts.
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { parsePrismaSchema, PrismaSchemaError, type PrismaSchema, type SchemaField, type SchemaModel } from '../../support/prisma-schema.js';

const SCHEMA_PATH = new URL('../../../prisma/schema.prisma', import.meta.url);

interface ColumnInfo {
  table: string;
  column: string;
  type: string;
  notNull: boolean;
  defaultValue: string | null;
}
interface IndexInfo {
  name: string;
  table: string;
  unique: boolean;
  primary: boolean;
  columns: string[];
}
interface ForeignKeyInfo {
  name: string;
  table: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
  onDelete: string;
  onUpdate: string;
}

let db: TestDatabase;
let client: pg.Client;
let schema: PrismaSchema;

beforeAll(async () => {
  schema = parsePrismaSchema(await readFile(SCHEMA_PATH, 'utf8'));
  db = await createTestDatabase();
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await db?.drop();
});

// ---- what Prisma derives from the schema (PostgreSQL connector) ----

function modelByName(name: string): SchemaModel {
  const model = schema.models.find((candidate) => candidate.name === name);
  if (!model) throw new Error(`no model ${name}`);
  return model;
}

function columnOf(model: SchemaModel, fieldName: string): string {
  const field = model.fields.find((candidate) => candidate.name === fieldName);
  if (!field || field.kind === 'relation') throw new Error(`${model.name}.${fieldName} is not a column`);
  return field.column;
}

function expectedType(field: SchemaField): string {
  if (field.kind === 'enum') {
    const enumDef = schema.enums.find((candidate) => candidate.name === field.type);
    return enumDef!.dbName;
  }
  const native = field.nativeType ? `${field.nativeType.name}(${field.nativeType.args.join(',')})` : undefined;
  switch (`${field.type}:${native ?? ''}`) {
    case 'String:':
      return 'text';
    case 'String:Uuid()':
      return 'uuid';
    case 'Int:':
      return 'integer';
    case 'Boolean:':
      return 'boolean';
    case 'Json:':
      return 'jsonb';
    case 'DateTime:':
      return 'timestamp(3) without time zone';
    default: {
      const timestamptz = native && /^Timestamptz\((\d)\)$/.exec(native);
      if (field.type === 'DateTime' && timestamptz) return `timestamp(${timestamptz[1]}) with time zone`;
      throw new Error(`no expected PostgreSQL type for ${field.name} ${field.type} @db.${native}`);
    }
  }
}

/** The column default Prisma writes; uuid() and a bare @updatedAt are filled in by the client. */
function expectedDefault(field: SchemaField): string | null {
  const value = field.default;
  if (!value || value.kind === 'uuid') return null;
  switch (value.kind) {
    case 'now':
      return 'CURRENT_TIMESTAMP';
    case 'string':
      // A string default is cast to the column's type: text, or jsonb for a Json field.
      return `'${value.value.replaceAll("'", "''")}'::${field.type === 'Json' ? 'jsonb' : 'text'}`;
    case 'boolean':
      return String(value.value);
    case 'number':
      return String(value.value);
    case 'enum':
      return `'${value.value}'::${expectedType(field)}`;
  }
}

function expectedColumns(): ColumnInfo[] {
  return schema.models.flatMap((model) =>
    model.fields
      .filter((field) => field.kind !== 'relation')
      .map((field) => {
        if (field.list) throw new Error(`${model.name}.${field.name}: scalar lists are not covered`);
        return {
          table: model.table,
          column: field.column,
          type: expectedType(field),
          notNull: !field.optional,
          defaultValue: expectedDefault(field),
        };
      }),
  );
}

/** Prisma's index names: {table}_pkey, {table}_{columns}_key, {table}_{columns}_idx, unless map: names one. */
function expectedIndexes(): IndexInfo[] {
  return schema.models.flatMap((model) =>
    model.indexes.map((index) => {
      const columns = index.fields.map((field) => columnOf(model, field.name));
      const convention = index.kind === 'primary' ? `${model.table}_pkey` : `${model.table}_${columns.join('_')}_${index.kind === 'unique' ? 'key' : 'idx'}`;
      return {
        name: index.name ?? convention,
        table: model.table,
        unique: index.kind !== 'index',
        primary: index.kind === 'primary',
        columns: index.fields.map((field, i) => (field.sort === 'Desc' ? `${columns[i]} DESC` : columns[i]!)),
      };
    }),
  );
}

const ACTION_SQL = {
  Cascade: 'CASCADE',
  SetNull: 'SET NULL',
  Restrict: 'RESTRICT',
  NoAction: 'NO ACTION',
  SetDefault: 'SET DEFAULT',
};

function expectedForeignKeys(): ForeignKeyInfo[] {
  return schema.models.flatMap((model) =>
    model.fields
      .filter((field) => field.kind === 'relation' && field.relation && field.relation.fields.length > 0)
      .map((field) => {
        const relation = field.relation!;
        const target = modelByName(field.type);
        const columns = relation.fields.map((name) => columnOf(model, name));
        const scalarsOptional = relation.fields.some((name) => model.fields.find((f) => f.name === name)?.optional);
        // Prisma's defaults: SetNull for an optional relation, Restrict for a required one; updates cascade.
        const onDelete = relation.onDelete ?? (scalarsOptional ? 'SetNull' : 'Restrict');
        return {
          name: `${model.table}_${columns.join('_')}_fkey`,
          table: model.table,
          columns,
          refTable: target.table,
          refColumns: relation.references.map((name) => columnOf(target, name)),
          onDelete: ACTION_SQL[onDelete],
          onUpdate: ACTION_SQL[relation.onUpdate ?? 'Cascade'],
        };
      }),
  );
}

// ---- what the migrated database has ----

const IGNORED_TABLE = '_prisma_migrations';
const byKey = <T>(key: (item: T) => string) => (a: T, b: T) => key(a).localeCompare(key(b));

async function actualColumns(): Promise<ColumnInfo[]> {
  const { rows } = await client.query<ColumnInfo>(`
    SELECT c.relname AS "table", a.attname AS "column", format_type(a.atttypid, a.atttypmod) AS "type",
           a.attnotnull AS "notNull", pg_get_expr(d.adbin, d.adrelid) AS "defaultValue"
      FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
       AND c.relname <> '${IGNORED_TABLE}'`);
  return rows;
}

async function actualIndexes(): Promise<IndexInfo[]> {
  const { rows } = await client.query<IndexInfo>(`
    SELECT i.relname AS "name", t.relname AS "table", x.indisunique AS "unique", x.indisprimary AS "primary",
           ARRAY(SELECT pg_get_indexdef(x.indexrelid, k + 1, true)
                        || CASE WHEN x.indoption[k] & 1 = 1 THEN ' DESC' ELSE '' END
                   FROM generate_series(0, x.indnkeyatts - 1) AS k ORDER BY k) AS "columns"
      FROM pg_index x
      JOIN pg_class i ON i.oid = x.indexrelid
      JOIN pg_class t ON t.oid = x.indrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE n.nspname = 'public' AND t.relname <> '${IGNORED_TABLE}'`);
  return rows;
}

async function actualForeignKeys(): Promise<ForeignKeyInfo[]> {
  const { rows } = await client.query<ForeignKeyInfo>(`
    SELECT con.conname AS "name", t.relname AS "table", r.relname AS "refTable",
           ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
                   JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
                  ORDER BY k.ord)::text[] AS "columns",
           ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
                   JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
                  ORDER BY k.ord)::text[] AS "refColumns",
           CASE con.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE'
                                WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' END AS "onDelete",
           CASE con.confupdtype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE'
                                WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' END AS "onUpdate"
      FROM pg_constraint con
      JOIN pg_class t ON t.oid = con.conrelid
      JOIN pg_class r ON r.oid = con.confrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE con.contype = 'f' AND n.nspname = 'public'`);
  return rows;
}

describe('migrated database matches prisma/schema.prisma', () => {
  it('has one table per model and nothing else', async () => {
    const { rows } = await client.query<{ relname: string; relkind: string }>(`
      SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')`);
    const tables = rows.map((row) => `${row.relname}:${row.relkind}`).sort();
    const expected = [...schema.models.map((model) => `${model.table}:r`), `${IGNORED_TABLE}:r`].sort();
    expect(tables).toEqual(expected);
    expect(schema.models.map((model) => model.name).sort()).toEqual([
      'AiShareBlock',
      'AuditEvent',
      'Business',
      'CallLog',
      'CallMessage',
      'CallTurn',
      'DoNotCall',
      'HttpTool',
      'LoginFailure',
      'LoginSlot',
      'McpServer',
      'NodeOwner',
      'PhoneNumber',
      'StaffExtension',
      'StaffSession',
      'StaffUser',
      'WebhookDelivery',
      'WebhookEndpoint',
      'WebhookEvent',
    ]);
  });

  it('has every scalar field as a column with its type, nullability and default', async () => {
    const key = (column: ColumnInfo) => `${column.table}.${column.column}`;
    expect((await actualColumns()).sort(byKey(key))).toEqual(expectedColumns().sort(byKey(key)));
  });

  it('has exactly the enum types of the schema, with their values in order', async () => {
    const { rows } = await client.query<{ name: string; values: string[] }>(`
      SELECT t.typname AS name, ARRAY(SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = t.oid
                                      ORDER BY e.enumsortorder)::text[] AS values
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
       WHERE n.nspname = 'public' AND t.typtype = 'e' ORDER BY t.typname`);
    const expected = schema.enums
      .map((enumDef) => ({ name: enumDef.dbName, values: enumDef.values }))
      .sort(byKey((e) => e.name));
    expect(rows).toEqual(expected);
    expect(expected.map((e) => e.name)).toEqual(['call_direction', 'call_status', 'staff_role', 'transfer_mode', 'turn_role', 'webhook_delivery_status']);
  });

  it('has every @id, @unique, @@unique and @@index as an index with the right columns and order', async () => {
    const key = (index: IndexInfo) => index.name;
    expect(expectedIndexes().filter((index) => index.primary)).toHaveLength(schema.models.length);
    expect((await actualIndexes()).sort(byKey(key))).toEqual(expectedIndexes().sort(byKey(key)));
  });

  it('has every relation as a foreign key with the right actions', async () => {
    const key = (fk: ForeignKeyInfo) => fk.name;
    const expected = expectedForeignKeys().sort(byKey(key));
    expect(expected.length).toBe(18);
    expect((await actualForeignKeys()).sort(byKey(key))).toEqual(expected);
  });

  it('has no constraints besides primary and foreign keys (Prisma makes unique indexes, not constraints)', async () => {
    const { rows } = await client.query<{ conname: string; contype: string }>(`
      SELECT con.conname, con.contype FROM pg_constraint con
        JOIN pg_class t ON t.oid = con.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
       WHERE n.nspname = 'public' AND t.relname <> '${IGNORED_TABLE}' AND con.contype NOT IN ('p', 'f')`);
    expect(rows).toEqual([]);
  });
});

describe('the schema as Prisma reads it', () => {
  const datasource = 'datasource db {\n  provider = "postgresql"\n}\n';

  it("reports what Prisma's own validation rejects, with the line", () => {
    expect(() => parsePrismaSchema(`${datasource}model M {\n  id String @id\n  n Decimalx\n}\n`)).toThrow(/Type "Decimalx" is neither a built-in type.*schema\.prisma:6/s);
    expect(() => parsePrismaSchema(`${datasource}model M {\n  id String @id\n  id String\n}\n`)).toThrow(PrismaSchemaError);
  });

  it.each([
    ['an autoincrement default', 'id Int @id @default(autoincrement())', /M\.id: unsupported @default\(autoincrement\(\)\)/],
    ['a database-generated default', 'id String @id @default(dbgenerated("gen_random_uuid()"))', /unsupported @default\(dbgenerated/],
    ['a hash index', 'id String @id\n  n Int\n  @@index([n], type: Hash)', /index algorithm Hash is not covered/],
    ['an operator class', 'id String @id\n  n String\n  @@index([n(ops: raw("text_pattern_ops"))])', /operator classes are not covered/],
  ])('refuses %s, which the expected shape does not cover', (_name, body, message) => {
    expect(() => parsePrismaSchema(`${datasource}model M {\n  ${body}\n}\n`)).toThrow(message);
  });

  it('reads fields, attributes, relations, enums and indexes', () => {
    const parsed = parsePrismaSchema(
      [
        datasource,
        'enum Kind {',
        '  a // comment',
        '  b @map("B")',
        '  @@map("kind")',
        '}',
        'model Parent {',
        '  id String @id @default(uuid()) @db.Uuid',
        '  children Child[]',
        '  @@map("parents")',
        '}',
        'model Child {',
        '  id String @id',
        '  parentId String? @map("parent_id") @db.Uuid',
        '  parent Parent? @relation(fields: [parentId], references: [id], onDelete: SetNull)',
        '  kind Kind @default(b)',
        '  at DateTime @default(now()) @db.Timestamptz(3)',
        '  code String @unique',
        '  @@index([parentId, at(sort: Desc)])',
        '  @@index([kind], map: "child_kind")',
        '}',
      ].join('\n'),
    );
    expect(parsed.enums).toEqual([{ name: 'Kind', dbName: 'kind', values: ['a', 'B'] }]);
    const child = parsed.models.find((model) => model.name === 'Child')!;
    expect(child.fields.find((field) => field.name === 'parent')?.relation).toEqual({ fields: ['parentId'], references: ['id'], onDelete: 'SetNull' });
    expect(child.fields.find((field) => field.name === 'kind')?.default).toEqual({ kind: 'enum', value: 'B' });
    expect(child.fields.find((field) => field.name === 'at')).toMatchObject({ default: { kind: 'now' }, nativeType: { name: 'Timestamptz', args: [3] } });
    expect(child.indexes).toEqual([
      { kind: 'primary', name: null, fields: [{ name: 'id', sort: 'Asc' }] },
      { kind: 'unique', name: null, fields: [{ name: 'code', sort: 'Asc' }] },
      { kind: 'index', name: null, fields: [{ name: 'parentId', sort: 'Asc' }, { name: 'at', sort: 'Desc' }] },
      { kind: 'index', name: 'child_kind', fields: [{ name: 'kind', sort: 'Asc' }] },
    ]);
    expect(parsed.models.find((model) => model.name === 'Parent')?.table).toBe('parents');
  });
});
