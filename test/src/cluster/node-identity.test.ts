// Nodes that cannot be told apart by their channel ids: the backend reads each
// Asterisk node's systemname over ARI (the fake reports it as Asterisk does,
// GET /asterisk/info config.name) when it takes the node over, logs a clear
// error and reports the node not ready, naming why.
import { afterEach, describe, expect, it } from 'vitest';
import { startBackend, type Backend } from '../../../src/backend.js';
import { identityProblems } from '../../../src/cluster/node-identity.js';
import { loadConfig } from '../../../src/config.js';
import { FakeAsterisk } from '../../fakes/ari/index.js';
import { waitUntil } from '../../kit/wait.js';
import { createTestDatabase } from '../../support/db.js';
import { captureLogs, type LogCapture } from '../../support/log-capture.js';
import { ARI_PASSWORD, backendEnv } from '../../support/test-system.js';

const CLASH_LOG = "Asterisk node channel ids can collide with another node's: give every node its own systemname";

describe('identityProblems', () => {
  it('needs no systemname on a single node', () => {
    expect(identityProblems(new Map([['a', '']]))).toEqual(new Map());
  });

  it('names every node without a systemname, and every node sharing one', () => {
    const problems = identityProblems(
      new Map<string, string | null>([
        ['a', 'pbx'],
        ['b', 'pbx'],
        ['c', ''],
        ['d', 'asterisk-d'],
        ['e', null],
      ]),
    );
    expect([...problems.keys()].sort()).toEqual(['a', 'b', 'c']);
    expect(problems.get('a')).toBe('Asterisk reports systemname "pbx", as node b does; their channel ids can collide');
    expect(problems.get('b')).toBe('Asterisk reports systemname "pbx", as node a does; their channel ids can collide');
    expect(problems.get('c')).toMatch(/^Asterisk reports no systemname \(asterisk.conf \[options\]\)/);
  });
});

interface NodeDetail {
  name: string;
  owner: string;
  systemName: string | null;
  problem: string | null;
}
interface ReadyBody {
  ready: boolean;
  checks: { ari: { ok: boolean; reason?: string; detail: { nodes: NodeDetail[] } } };
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** One replica holding two nodes (fakes reporting these systemnames). */
async function twoNodes(systemNames: [string, string]): Promise<{ backend: Backend; logs: LogCapture }> {
  const database = await createTestDatabase();
  cleanups.push(() => database.drop());
  const fakes = await Promise.all(systemNames.map((systemName) => FakeAsterisk.start({ password: ARI_PASSWORD, systemName })));
  for (const fake of fakes) cleanups.push(() => fake.close());
  const logs = captureLogs();
  const env = backendEnv({
    ariUrl: fakes[0]!.url,
    databaseUrl: database.url,
    gatewayUrl: 'http://127.0.0.1:9',
    extra: { ASTERISK_NODES: `a=${fakes[0]!.url},b=${fakes[1]!.url}`, LEASE_POLL_MS: '100' },
  });
  const backend = await startBackend(loadConfig(env), logs.logger);
  cleanups.push(() => backend.stop());
  await waitUntil(() => backend.nodes.every((node) => node.role === 'owner' && node.ariStatus.state === 'connected'), {
    what: 'the replica to hold both nodes',
  });
  for (const fake of fakes) expect(fake.violations).toEqual([]);
  return { backend, logs };
}

async function ready(backend: Backend): Promise<{ status: number; body: ReadyBody }> {
  const response = await fetch(`${backend.url}/ready`);
  return { status: response.status, body: (await response.json()) as ReadyBody };
}

describe('a replica holding several nodes', () => {
  it('reports two nodes with the same systemname not ready, naming the clash, and logs it', async () => {
    const { backend, logs } = await twoNodes(['pbx', 'pbx']);
    await waitUntil(async () => (await ready(backend)).body.checks.ari.detail.nodes.every((node) => node.systemName === 'pbx' && node.problem !== null), {
      what: 'both nodes reported clashing',
    });
    const { status, body } = await ready(backend);
    expect(status).toBe(503);
    expect(body.checks.ari.ok).toBe(false);
    expect(body.checks.ari.reason).toContain('node a: Asterisk reports systemname "pbx", as node b does; their channel ids can collide');
    expect(body.checks.ari.reason).toContain('node b: Asterisk reports systemname "pbx", as node a does');
    const logged = logs.entries(CLASH_LOG);
    expect(logged.map((entry) => [entry.node, entry.systemName, entry.level]).sort()).toEqual([
      ['a', 'pbx', 'error'],
      ['b', 'pbx', 'error'],
    ]);
  });

  it('reports a node without a systemname not ready; one with its own stays ready', async () => {
    const { backend, logs } = await twoNodes(['asterisk-a', '']);
    await waitUntil(async () => (await ready(backend)).body.checks.ari.detail.nodes.find((node) => node.name === 'b')?.systemName === '', {
      what: 'node b read',
    });
    const { status, body } = await ready(backend);
    expect(status).toBe(503);
    const [a, b] = body.checks.ari.detail.nodes;
    expect(a).toMatchObject({ name: 'a', owner: 'this replica', systemName: 'asterisk-a', problem: null });
    expect(b?.problem).toMatch(/^Asterisk reports no systemname \(asterisk.conf \[options\]\); with several nodes/);
    expect(logs.entries(CLASH_LOG).map((entry) => entry.node)).toEqual(['b']);
  });

  it('is ready when every node has its own systemname', async () => {
    const { backend, logs } = await twoNodes(['asterisk-a', 'asterisk-b']);
    await waitUntil(async () => (await ready(backend)).body.checks.ari.detail.nodes.every((node) => node.systemName !== null), {
      what: 'both systemnames read',
    });
    const { status, body } = await ready(backend);
    expect(status).toBe(200);
    expect(body.checks.ari.detail.nodes.map((node) => [node.name, node.systemName, node.problem])).toEqual([
      ['a', 'asterisk-a', null],
      ['b', 'asterisk-b', null],
    ]);
    expect(logs.entries(CLASH_LOG)).toEqual([]);
  });
});
