// The business the simulated caller dials: whoever owns the demo number in the
// database, else the demo business (`npm run db:seed` creates the same one).
// A business that already owns the number is used as it is, never changed.
import { DEMO_PHONE_NUMBER, seedDemo, type PrismaClient } from '../../src/db/index.js';

export interface DemoBusiness {
  readonly id: string;
  readonly name: string;
  readonly phoneNumber: string;
}

export async function demoBusiness(prisma: PrismaClient): Promise<DemoBusiness> {
  const owner = await prisma.phoneNumber.findUnique({ where: { e164: DEMO_PHONE_NUMBER }, include: { business: true } });
  const business = owner?.business ?? (await prisma.business.findUniqueOrThrow({ where: { id: (await seedDemo(prisma)).businessId } }));
  return { id: business.id, name: business.name, phoneNumber: DEMO_PHONE_NUMBER };
}
