import { chmod, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeClosedFolder, firstClosedFolder, foldersOnTheWay } from '../../../src/db/embedded-reach.js';

let base: string;
/** Owner and group of the folders made here; `stranger` shares neither. */
let owner: { uid: number; gid: number };
let groupMember: { uid: number; gid: number };
let stranger: { uid: number; gid: number };

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'embedded-reach-test-'));
  await chmod(base, 0o755);
  const info = await stat(base);
  owner = { uid: info.uid, gid: info.gid };
  groupMember = { uid: info.uid + 1_000, gid: info.gid };
  stranger = { uid: info.uid + 1_000, gid: info.gid + 1_000 };
});
afterEach(async () => {
  await chmod(join(base, 'private'), 0o755).catch(() => {});
  await rm(base, { recursive: true, force: true });
});

describe('foldersOnTheWay', () => {
  it('lists every folder from the root down, without the path itself', () => {
    expect(foldersOnTheWay('/a/b/c')).toEqual(['/', '/a', '/a/b']);
    expect(foldersOnTheWay('/a')).toEqual(['/']);
  });
});

describe('firstClosedFolder', () => {
  it('names the first folder without search permission for the user, with its mode', async () => {
    const privateDir = join(base, 'private');
    await mkdir(join(privateDir, 'inner', 'deeper'), { recursive: true });
    await chmod(privateDir, 0o700);
    const target = join(privateDir, 'inner', 'deeper', 'postgres');

    const closed = await firstClosedFolder(target, stranger);
    expect(closed).toEqual({ folder: privateDir, mode: 0o700, ownerUid: owner.uid });
    expect(describeClosedFolder(closed!)).toBe(`${privateDir} (mode 0700, owner uid ${owner.uid})`);
    expect(await firstClosedFolder(target, owner)).toBeUndefined();
  });

  it('applies the owner bits to the owner, the group bits to the group, the others bits to the rest', async () => {
    const privateDir = join(base, 'private');
    await mkdir(privateDir);
    const target = join(privateDir, 'file');

    await chmod(privateDir, 0o070); // group only: the owner is refused
    expect((await firstClosedFolder(target, owner))?.folder).toBe(privateDir);
    expect(await firstClosedFolder(target, groupMember)).toBeUndefined();
    expect((await firstClosedFolder(target, stranger))?.folder).toBe(privateDir);

    await chmod(privateDir, 0o701); // others only
    expect((await firstClosedFolder(target, groupMember))?.folder).toBe(privateDir);
    expect(await firstClosedFolder(target, stranger)).toBeUndefined();
  });

  it('stops at a folder that does not exist yet', async () => {
    expect(await firstClosedFolder(join(base, 'missing', 'deeper', 'data'), stranger)).toBeUndefined();
  });
});
