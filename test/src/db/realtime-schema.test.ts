// The PJSIP realtime tables our migration creates (schema `asterisk`) are the
// tables Asterisk's own migrations create for the release the image builds:
// the reference schema in ../shared/asterisk is loaded into an empty database
// and both are compared column by column, with their enum types, constraints
// and indexes. res_config_pgsql reads column names and types from the catalog,
// so a column missing, renamed or of another type is what this catches.
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageAsteriskVersion } from '../../support/deploy-asterisk-modules.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { sharedPath } from '../../support/shared-reference.js';

const REALTIME_TABLES = ['ps_endpoints', 'ps_auths', 'ps_aors', 'ps_contacts'] as const;
const OUR_SCHEMA = 'asterisk';
const REFERENCE_SCHEMA = 'public';

const dockerfile = readFileSync(new URL('../../../docker/asterisk/Dockerfile', import.meta.url), 'utf8');
const release = imageAsteriskVersion(dockerfile);

interface Column {
  column: string;
  type: string;
  notNull: boolean;
  defaultValue: string | null;
}

let ours: TestDatabase;
let reference: TestDatabase;
let oursClient: pg.Client;
let referenceClient: pg.Client;

beforeAll(async () => {
  if (!release) throw new Error('docker/asterisk/Dockerfile has no ARG ASTERISK_VERSION');
  ours = await createTestDatabase();
  reference = await createTestDatabase({ empty: true });
  oursClient = new pg.Client({ connectionString: ours.url });
  referenceClient = new pg.Client({ connectionString: reference.url });
  await Promise.all([oursClient.connect(), referenceClient.connect()]);
  await referenceClient.query(readFileSync(sharedPath('asterisk', `realtime-schema-postgresql-${release}.sql`), 'utf8'));
});

afterAll(async () => {
  await Promise.allSettled([oursClient?.end(), referenceClient?.end()]);
  await Promise.allSettled([ours?.drop(), reference?.drop()]);
});

/** Columns in table order; enum types by their bare name (the schemas differ). */
async function columns(client: pg.Client, schema: string, table: string): Promise<Column[]> {
  const { rows } = await client.query<Column>(
    `SELECT a.attname AS "column",
            CASE WHEN t.typtype = 'e' THEN t.typname ELSE format_type(a.atttypid, a.atttypmod) END AS "type",
            a.attnotnull AS "notNull", pg_get_expr(d.adbin, d.adrelid) AS "defaultValue"
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [schema, table],
  );
  return rows;
}

async function enumLabels(client: pg.Client, schema: string, names: readonly string[]): Promise<Record<string, string[]>> {
  const { rows } = await client.query<{ name: string; labels: string[] }>(
    `SELECT t.typname AS name, ARRAY(SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)::text[] AS labels
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = $1 AND t.typtype = 'e' AND t.typname = ANY($2::text[])`,
    [schema, names],
  );
  return Object.fromEntries(rows.map((row) => [row.name, row.labels]));
}

/** Constraints and indexes as definitions without the schema name. */
async function constraintsAndIndexes(client: pg.Client, schema: string, table: string): Promise<string[]> {
  const { rows: constraints } = await client.query<{ name: string; definition: string }>(
    `SELECT con.conname AS name, pg_get_constraintdef(con.oid) AS definition
       FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2`,
    [schema, table],
  );
  const { rows: indexes } = await client.query<{ name: string; definition: string }>(
    `SELECT indexname AS name, indexdef AS definition FROM pg_indexes WHERE schemaname = $1 AND tablename = $2`,
    [schema, table],
  );
  return [
    ...constraints.map((row) => `constraint ${row.name}: ${row.definition}`),
    ...indexes.map((row) => `index ${row.name}: ${row.definition.replace(`${schema}.`, '')}`),
  ].sort();
}

describe(`the realtime tables match Asterisk ${release ?? '?'}'s own schema`, () => {
  it.each(REALTIME_TABLES)('%s has the same columns, types, nullability and defaults, in the same order', async (table) => {
    const expected = await columns(referenceClient, REFERENCE_SCHEMA, table);
    expect(expected.length).toBeGreaterThan(0);
    expect(await columns(oursClient, OUR_SCHEMA, table)).toEqual(expected);
  });

  it.each(REALTIME_TABLES)('%s has the same constraints and indexes', async (table) => {
    const expected = await constraintsAndIndexes(referenceClient, REFERENCE_SCHEMA, table);
    expect(expected.length).toBeGreaterThan(0);
    expect(await constraintsAndIndexes(oursClient, OUR_SCHEMA, table)).toEqual(expected);
  });

  it('has the enum types those columns use, with the same values in the same order', async () => {
    const used = new Set<string>();
    for (const table of REALTIME_TABLES) {
      for (const column of await columns(referenceClient, REFERENCE_SCHEMA, table)) used.add(column.type);
    }
    const names = [...used];
    const expected = await enumLabels(referenceClient, REFERENCE_SCHEMA, names);
    expect(Object.keys(expected).length).toBeGreaterThan(5);
    expect(await enumLabels(oursClient, OUR_SCHEMA, names)).toEqual(expected);
  });

  it('keeps nothing else in the asterisk schema', async () => {
    const { rows } = await oursClient.query<{ relname: string }>(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY 1`,
      [OUR_SCHEMA],
    );
    expect(rows.map((row) => row.relname)).toEqual([...REALTIME_TABLES].sort());
  });

  it('notices a column the reference has and ours lacks', async () => {
    // The comparison itself can fail: drop a column in our copy and compare again.
    await oursClient.query('BEGIN');
    try {
      await oursClient.query(`ALTER TABLE ${OUR_SCHEMA}.ps_auths DROP COLUMN password_digest`);
      const expected = await columns(referenceClient, REFERENCE_SCHEMA, 'ps_auths');
      expect(await columns(oursClient, OUR_SCHEMA, 'ps_auths')).not.toEqual(expected);
    } finally {
      await oursClient.query('ROLLBACK');
    }
  });
});
