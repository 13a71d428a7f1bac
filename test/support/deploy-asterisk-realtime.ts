// Checks of what staff extensions in PostgreSQL, outbound calls and the
// websocket media transport need from the Asterisk image and configuration:
//
// - PJSIP realtime: sorcery.conf maps endpoints, auths, AORs and contacts to
//   realtime families; extconfig.conf reads each family with res_config_pgsql
//   from the table of that name in the `asterisk` schema our migration creates;
//   res_pgsql.conf connects to the database the backend uses; the modules are
//   loaded and the image builds res_config_pgsql (libpq at build and at run time).
// - outbound: the context the backend continues an answered call to runs AMD()
//   and hands the verdict back to the Stasis application.
// - websocket media: chan_websocket is loaded.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { OUTBOUND_AMD_ARG, OUTBOUND_AMD_CONTEXT, OUTBOUND_AMD_EXTENSION, OUTBOUND_AMD_PRIORITY } from '../../src/outbound/dial-outcome.js';
import { PROJECT_ROOT } from './deploy-fixture.js';
import { nextPriority, sectionsNamed, splitArgs, value, values, type AsteriskConfig, type Dialplan } from './deploy-asterisk-config.js';

/** PJSIP object types kept in the database, and the realtime family (= table) of each. */
export const REALTIME_OBJECTS: ReadonlyArray<readonly [string, string]> = [
  ['endpoint', 'ps_endpoints'],
  ['auth', 'ps_auths'],
  ['aor', 'ps_aors'],
  ['contact', 'ps_contacts'],
];
const REALTIME_SCHEMA = 'asterisk';
/** The static copy of extensions 100 and 101, read only when the realtime tables have no such id. */
export const STAFF_FALLBACK_FILE = 'pjsip_staff_fallback.conf';
const FALLBACK_EXTENSIONS = ['100', '101'];
const REALTIME_MODULES = ['res_config_pgsql.so', 'res_sorcery_realtime.so'];

/**
 * `CREATE TABLE "asterisk"."<name>"` of every migration of the project (not of a
 * deployment copy: the migrations are the backend's, not deployment files).
 */
function migratedRealtimeTables(): Set<string> {
  const dir = join(PROJECT_ROOT, 'prisma/migrations');
  const tables = new Set<string>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const sql = readFileSync(join(dir, entry.name, 'migration.sql'), 'utf8');
    for (const [, table] of sql.matchAll(/CREATE TABLE "asterisk"\."([a-z_]+)"/g)) tables.add(table!);
  }
  return tables;
}

export function checkRealtime(
  root: string,
  read: (file: string) => AsteriskConfig,
  modules: AsteriskConfig,
  env: (key: string) => string,
  backendDatabaseUrl: string,
  backendEnv: (key: string) => string,
): string[] {
  const problems: string[] = [];
  const sorcery = sectionsNamed(read('sorcery.conf'), 'res_pjsip')[0];
  const extconfig = sectionsNamed(read('extconfig.conf'), 'settings')[0];
  const tables = migratedRealtimeTables();
  for (const [type, family] of REALTIME_OBJECTS) {
    const sources = sorcery ? values(sorcery, type) : [];
    if (!sources.includes(`realtime,${family}`)) problems.push(`sorcery.conf: [res_pjsip] ${type} is not read from realtime family ${family}`);
    const mapping = extconfig ? value(extconfig, family) : undefined;
    const expected = `pgsql,general,${REALTIME_SCHEMA}.${family}`;
    if (mapping !== expected) problems.push(`extconfig.conf: ${family} is ${mapping === undefined ? 'not mapped' : `"${mapping}"`}, expected "${expected}"`);
    if (!tables.has(family)) problems.push(`prisma/migrations: no migration creates ${REALTIME_SCHEMA}.${family}, which Asterisk reads`);
  }
  // The trunk stays in pjsip.conf, read first (a trunk call never waits on the database); the
  // fallback phones are read from the database first, from their static copy only after it.
  for (const type of ['endpoint', 'auth', 'aor']) {
    const sources = sorcery ? values(sorcery, type).map((source) => source.split(',').slice(0, 2).join(',')) : [];
    const order = [`config,pjsip.conf`, `realtime,${REALTIME_OBJECTS.find(([t]) => t === type)![1]}`, `config,${STAFF_FALLBACK_FILE}`];
    if (sources.join(' ') !== order.join(' ')) problems.push(`sorcery.conf: [res_pjsip] ${type} is read from ${sources.join(', ') || 'nothing'}, expected ${order.join(', ')} in this order`);
  }
  // A registration made while PostgreSQL is down must be kept somewhere Dial() finds it.
  if (sorcery && !values(sorcery, 'contact').includes('astdb,registrar')) {
    problems.push('sorcery.conf: [res_pjsip] contact has no store but the database (astdb,registrar): a fallback phone could not register in an outage');
  }
  const inPjsip = read('pjsip.conf').sections.filter((section) => FALLBACK_EXTENSIONS.includes(section.name));
  if (inPjsip.length > 0) problems.push(`pjsip.conf: defines ${[...new Set(inPjsip.map((s) => s.name))].join(', ')}, which would hide their realtime rows (read after pjsip.conf)`);
  const fallbackEndpoints = read(STAFF_FALLBACK_FILE).sections.filter((section) => value(section, 'type') === 'endpoint').map((section) => section.name);
  if (fallbackEndpoints.join(',') !== FALLBACK_EXTENSIONS.join(',')) {
    problems.push(`${STAFF_FALLBACK_FILE}: endpoints are ${fallbackEndpoints.join(', ') || 'none'}, expected ${FALLBACK_EXTENSIONS.join(', ')}`);
  }
  // The backend seeds their realtime rows with the passwords the container renders into the fallback.
  for (const extension of FALLBACK_EXTENSIONS) {
    const variable = `STAFF_${extension}_PASSWORD`;
    if (backendEnv(variable) !== env(variable)) problems.push(`compose: the backend does not get the Asterisk container's ${variable} (it seeds extension ${extension} from it)`);
  }

  const pgsql = sectionsNamed(read('res_pgsql.conf'), 'general')[0];
  const database = new URL(backendDatabaseUrl.replace(/^postgres(ql)?:/, 'http:'));
  const expected: Record<string, string> = {
    dbhost: database.hostname,
    dbport: database.port || '5432',
    dbname: decodeURIComponent(database.pathname.slice(1)),
    dbuser: decodeURIComponent(database.username),
    dbpass: decodeURIComponent(database.password),
  };
  for (const [key, wanted] of Object.entries(expected)) {
    const actual = pgsql ? value(pgsql, key) : undefined;
    if (actual !== wanted) problems.push(`res_pgsql.conf: ${key} is not the backend's database (${key === 'dbpass' ? 'password' : wanted})`);
  }
  if (pgsql && value(pgsql, 'requirements') !== 'warn') problems.push('res_pgsql.conf: requirements is not warn (Asterisk would alter the migrated tables)');
  if (env('ASTERISK_DB_PASSWORD') === '') problems.push('compose: the Asterisk container gets no ASTERISK_DB_PASSWORD');

  const section = sectionsNamed(modules, 'modules')[0];
  const loaded = new Set(section ? [...values(section, 'load'), ...values(section, 'require')] : []);
  for (const module of [...REALTIME_MODULES, 'chan_websocket.so']) {
    if (!loaded.has(module)) problems.push(`modules.conf: ${module} is not loaded`);
  }

  const dockerfile = readFileSync(join(root, 'docker/asterisk/Dockerfile'), 'utf8');
  const [build = '', runtime = ''] = dockerfile.split(/^FROM .* AS runtime$/m);
  if (!/apt-get install[^&]*\blibpq-dev\b/.test(build)) problems.push('Dockerfile: the build stage does not install libpq-dev (res_config_pgsql is not built without it)');
  if (!/apt-get install[^&]*\blibpq5\b/.test(runtime)) problems.push('Dockerfile: the runtime stage does not install libpq5 (res_config_pgsql cannot load)');
  if (!/--enable res_config_pgsql\b/.test(build)) problems.push('Dockerfile: menuselect does not --enable res_config_pgsql');
  return problems;
}

/** The backend continues an answered outbound call to the AMD step, which hands the verdict back. */
export function checkOutboundAmd(dialplan: Dialplan, appName: string): string[] {
  const start = dialplan.get(OUTBOUND_AMD_CONTEXT)?.get(OUTBOUND_AMD_EXTENSION)?.find((p) => p.number === OUTBOUND_AMD_PRIORITY);
  const where = `${OUTBOUND_AMD_CONTEXT},${OUTBOUND_AMD_EXTENSION},${OUTBOUND_AMD_PRIORITY}`;
  if (!start) return [`extensions.conf: outbound calls continue to ${where}, which does not exist`];
  if (start.app !== 'AMD') return [`extensions.conf: ${where} is ${start.app}(), not AMD()`];
  const next = nextPriority(dialplan, { context: OUTBOUND_AMD_CONTEXT, exten: OUTBOUND_AMD_EXTENSION, priority: start });
  const args = next?.priority.app === 'Stasis' ? splitArgs(next.priority.args) : null;
  const wanted = [appName, OUTBOUND_AMD_ARG, '${AMDSTATUS}', '${AMDCAUSE}'];
  if (!args || args.join(',') !== wanted.join(',')) {
    return [`extensions.conf: AMD() in ${OUTBOUND_AMD_CONTEXT} is not followed by Stasis(${wanted.join(',')})`];
  }
  return [];
}
