import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../../src/db/client.js';
import { DEMO_PHONE_NUMBER, seedDemo } from '../../../src/db/seed.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url);
});
afterAll(async () => {
  await db?.close();
  await database?.drop();
});

describe('seedDemo', () => {
  it('creates the demo business with its phone number, and seeding again changes nothing', async () => {
    const first = await seedDemo(db.prisma);
    const second = await seedDemo(db.prisma);
    expect(second).toEqual(first);

    expect(await db.prisma.business.count()).toBe(1);
    expect(await db.prisma.phoneNumber.count()).toBe(1);
    const business = await db.prisma.business.findUniqueOrThrow({
      where: { id: first.businessId },
      include: { phoneNumbers: true },
    });
    expect(business).toMatchObject({
      name: 'Demo Dental Clinic',
      timezone: 'America/New_York',
      voice: 'aura-2-thalia-en',
      language: 'en',
      transferTarget: 'PJSIP/100',
    });
    expect(business.greeting).toMatch(/Demo Dental Clinic/);
    expect(business.systemPrompt).toMatch(/receptionist/);
    expect(business.phoneNumbers.map((number) => number.e164)).toEqual([DEMO_PHONE_NUMBER]);
    expect(DEMO_PHONE_NUMBER).toBe('+19863334949');
  });

  it('restores demo data that was edited', async () => {
    const { businessId } = await seedDemo(db.prisma);
    const other = await db.prisma.business.create({
      data: { name: 'Other', greeting: 'Hi', systemPrompt: 'x', voice: 'v' },
    });
    await db.prisma.business.update({ where: { id: businessId }, data: { name: 'Renamed' } });
    await db.prisma.phoneNumber.update({ where: { e164: DEMO_PHONE_NUMBER }, data: { businessId: other.id } });

    await seedDemo(db.prisma);
    const number = await db.prisma.phoneNumber.findUniqueOrThrow({
      where: { e164: DEMO_PHONE_NUMBER },
      include: { business: true },
    });
    expect(number.business).toMatchObject({ id: businessId, name: 'Demo Dental Clinic' });
    expect(await db.prisma.phoneNumber.count()).toBe(1);
  });
});
