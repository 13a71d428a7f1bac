// The Asterisk nodes and the lease settings as loadConfig reads them: the single-node
// variables stay a one-node list, several nodes with shared or per-node credentials,
// and one error listing every problem without echoing a secret.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { REQUIRED_BACKEND_ENV, configProblemsOf } from '../../support/backend-env.js';
import { nodeLockKey } from '../../../src/cluster/node-lock-key.js';

const REQUIRED = REQUIRED_BACKEND_ENV;
const problemsOf = configProblemsOf;

describe('Asterisk nodes', () => {
  it('keeps a single-node deployment a one-node list named ASTERISK_NODE_NAME (default "asterisk")', () => {
    const config = loadConfig({ ...REQUIRED, ASTERISK_ARI_URL: 'http://pbx:8088' });
    expect(config.cluster.nodes).toEqual([{ name: 'asterisk', url: 'http://pbx:8088', username: 'asterisk', password: 'Secret-ari-1' }]);
    expect(loadConfig({ ...REQUIRED, ASTERISK_NODE_NAME: 'pbx-1' }).cluster.nodes[0]?.name).toBe('pbx-1');
    expect(Object.isFrozen(config.cluster.nodes[0])).toBe(true);
  });

  it('reads several nodes, each with the shared credentials unless its own are given', () => {
    const config = loadConfig({
      ...REQUIRED,
      ASTERISK_NODES: ' a=http://ast-a:8088 , east-2=https://ast-b.example/ari ',
      ASTERISK_ARI_USERNAME_EAST_2: 'other',
      ASTERISK_ARI_PASSWORD_EAST_2: 'Other-secret-2',
    });
    expect(config.cluster.nodes).toEqual([
      { name: 'a', url: 'http://ast-a:8088', username: 'asterisk', password: 'Secret-ari-1' },
      { name: 'east-2', url: 'https://ast-b.example/ari', username: 'other', password: 'Other-secret-2' },
    ]);
  });

  it('lists every problem of the node list at once, without credentials', () => {
    const problems = problemsOf({
      ...REQUIRED,
      ASTERISK_NODES: 'A=http://x:8088,b=ftp://y,c=http://user:Leaked-pass@z:8088,d=http://d:1,d=http://e:1,nourl',
    });
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toMatch(/"A=http/);
    expect(problems.join('\n')).toMatch(/node "b" must have an http\(s\) URL/);
    expect(problems.join('\n')).toMatch(/node "c": put credentials in ASTERISK_ARI_USERNAME_C/);
    expect(problems.join('\n')).toMatch(/node "d" is listed twice/);
    expect(problems.join('\n')).not.toContain('Leaked-pass');
    expect(problemsOf({ ...REQUIRED, ASTERISK_NODES: ' , ' })).toEqual(['ASTERISK_NODES: must list at least one node as name=url']);
  });

  it('reports node problems together with the other variables', () => {
    const problems = problemsOf({ ASTERISK_NODES: 'a=nope', MEDIA_GATEWAY_TOKEN: 'short' });
    expect(problems.map((p) => p.split(':')[0])).toEqual(
      expect.arrayContaining(['ASTERISK_ARI_USERNAME', 'ASTERISK_ARI_PASSWORD', 'MEDIA_GATEWAY_TOKEN', 'ASTERISK_NODES']),
    );
  });

  it('gives every node its own lease key, stable across processes', () => {
    expect(nodeLockKey('prosaas_ai', 'a')).toBe(nodeLockKey('prosaas_ai', 'a'));
    expect(nodeLockKey('prosaas_ai', 'a')).not.toBe(nodeLockKey('prosaas_ai', 'b'));
    expect(nodeLockKey('prosaas_ai', 'a')).not.toBe(nodeLockKey('other_app', 'a'));
    expect(Number.isInteger(nodeLockKey('prosaas_ai', 'node-with-a-long-name'))).toBe(true);
    expect(Math.abs(nodeLockKey('prosaas_ai', 'x'))).toBeLessThan(2 ** 31 + 1);
  });
});

describe('replica and lease settings', () => {
  it('has defaults that stop the holder well before PostgreSQL frees its lease', () => {
    const { cluster } = loadConfig({ ...REQUIRED, HOST: '10.0.0.5', PORT: '3000' });
    expect(cluster.lease).toEqual({ pollMs: 1000, proofIntervalMs: 1000, proofTimeoutMs: 4000, databaseUrl: undefined });
    expect(cluster.replicaId).toMatch(/^[A-Za-z0-9._-]+-[0-9a-f]{8}$/);
    expect(cluster.advertiseUrl).toBe('http://10.0.0.5:3000');
    expect(loadConfig(REQUIRED).cluster.advertiseUrl).toBeNull();
  });

  it('takes the replica id and advertised URL given (the pod name and address in Kubernetes)', () => {
    const { cluster } = loadConfig({ ...REQUIRED, BACKEND_REPLICA_ID: 'backend-7d9f-x2', BACKEND_ADVERTISE_URL: 'http://10.1.2.3:3000/' });
    expect(cluster.replicaId).toBe('backend-7d9f-x2');
    expect(cluster.advertiseUrl).toBe('http://10.1.2.3:3000');
  });

  it('refuses lease timings that would let a silent holder outlive its proof', () => {
    expect(problemsOf({ ...REQUIRED, LEASE_PROOF_INTERVAL_MS: '2000', LEASE_PROOF_TIMEOUT_MS: '1500' })).toEqual([
      'LEASE_PROOF_TIMEOUT_MS: must exceed LEASE_PROOF_INTERVAL_MS',
    ]);
    expect(problemsOf({ ...REQUIRED, LEASE_PROOF_TIMEOUT_MS: '9000' })[0]).toMatch(/^LEASE_PROOF_TIMEOUT_MS: must not exceed 5000/);
    expect(problemsOf({ ...REQUIRED, LEASE_DATABASE_URL: 'mysql://x' })).toEqual(['LEASE_DATABASE_URL: must be a postgresql:// URL']);
  });

  it('spreads calls over every media gateway listed', () => {
    const config = loadConfig({ ...REQUIRED, MEDIA_GATEWAY_URL: 'http://gw-1:8090/, http://gw-2:8090' });
    expect(config.media.urls).toEqual(['http://gw-1:8090', 'http://gw-2:8090']);
    expect(config.media.url).toBe('http://gw-1:8090');
    expect(problemsOf({ ...REQUIRED, MEDIA_GATEWAY_URL: 'http://gw-1:8090,gw-2' })[0]).toMatch(/^MEDIA_GATEWAY_URL/);
  });
});
