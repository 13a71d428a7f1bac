// Demo data for development: one business answering one phone number. Idempotent.
import type { PrismaClient } from './generated/client.js';

export const DEMO_PHONE_NUMBER = '+19863334949';

// Fixed id so that re-seeding updates the same business instead of adding one.
const DEMO_BUSINESS_ID = '00000000-0000-4000-8000-000000000001';

const DEMO_BUSINESS = {
  name: 'Demo Dental Clinic',
  timezone: 'America/New_York',
  greeting: 'Thanks for calling Demo Dental Clinic! How can I help you today?',
  systemPrompt: [
    'You are the friendly phone receptionist of Demo Dental Clinic.',
    'Help callers book, move or cancel appointments, and answer questions about opening hours,',
    'location and services (check-ups, cleanings, fillings, whitening, emergencies).',
    'Keep answers short and spoken-friendly: one or two sentences, no lists, no markdown.',
    'Never give medical advice; for severe pain, swelling or bleeding, offer to transfer the caller to the staff.',
    'If you cannot help, offer to transfer the caller to a person.',
  ].join(' '),
  voice: 'aura-2-thalia-en',
  language: 'en',
  transferTarget: 'PJSIP/100',
} as const;

/** Creates or updates the demo business and points the demo number at it. */
export async function seedDemo(prisma: PrismaClient): Promise<{ businessId: string }> {
  return prisma.$transaction(async (tx) => {
    const business = await tx.business.upsert({
      where: { id: DEMO_BUSINESS_ID },
      create: { id: DEMO_BUSINESS_ID, ...DEMO_BUSINESS },
      update: DEMO_BUSINESS,
    });
    await tx.phoneNumber.upsert({
      where: { e164: DEMO_PHONE_NUMBER },
      create: { e164: DEMO_PHONE_NUMBER, businessId: business.id },
      update: { businessId: business.id },
    });
    return { businessId: business.id };
  });
}
