import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../../src/staff/password-hash.js';

describe('password hashes', () => {
  it('stores scrypt parameters, salt and hash, and verifies with the stored parameters', async () => {
    const hash = await hashPassword('hunter2-hunter2');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword('hunter2-hunter2', hash)).toBe(true);
    expect(await verifyPassword('hunter2-hunter3', hash)).toBe(false);
    expect(await hashPassword('hunter2-hunter2')).not.toBe(hash);

    const cheap = await hashPassword('pw-0123456789', { N: 1024, r: 8, p: 1 });
    expect(cheap.startsWith('scrypt$1024$8$1$')).toBe(true);
    expect(await verifyPassword('pw-0123456789', cheap)).toBe(true);
  });

  it('treats the same text in another Unicode normalization as the same password', async () => {
    const hash = await hashPassword('caf\u00e9-password', { N: 1024, r: 8, p: 1 });
    expect(await verifyPassword('cafe\u0301-password', hash)).toBe(true);
  });

  it('answers false, never throws, for malformed or dangerous stored hashes', async () => {
    for (const stored of ['', 'plain', 'bcrypt$10$x$y$z$w', 'scrypt$1000$8$1$c2FsdA$aGFzaA', 'scrypt$2097152$8$1$c2FsdA$aGFzaA', 'scrypt$1024$64$1$c2FsdA$aGFzaA', 'scrypt$1024$8$1$$aGFzaA']) {
      expect(await verifyPassword('x', stored), stored).toBe(false);
    }
  });
});
