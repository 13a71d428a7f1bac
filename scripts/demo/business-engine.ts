// The demo business answers with the engine the demo was asked for. A business
// that already owns the demo number (DATABASE_URL) is not left changed: its
// engine and settings are put back when the demo ends (cleanup, Ctrl-C too).
import type { Prisma, PrismaClient } from '../../src/db/index.js';
import type { DemoEngine } from './demo-engine.js';

/** Switches the business to `engine`; returns how to switch it back, or null when it was already on it. */
export async function useEngine(prisma: PrismaClient, businessId: string, engine: DemoEngine): Promise<(() => Promise<void>) | null> {
  const before = await prisma.business.findUniqueOrThrow({ where: { id: businessId }, select: { engine: true, engineSettings: true } });
  const settings = engine.settings as Prisma.InputJsonObject;
  if (before.engine === engine.name && JSON.stringify(before.engineSettings) === JSON.stringify(settings)) return null;
  await prisma.business.update({ where: { id: businessId }, data: { engine: engine.name, engineSettings: settings } });
  return async () => {
    await prisma.business.update({
      where: { id: businessId },
      data: { engine: before.engine, engineSettings: before.engineSettings as Prisma.InputJsonValue },
    });
  };
}
