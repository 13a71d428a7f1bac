// What the console needs to manage a business's integrations, built in one place.
import type { PrismaClient } from '../db/index.js';
import type { AuditLog } from '../staff/audit-log.js';
import { BusinessTools } from './business-tools.js';
import type { IntegrationPolicy } from './integration-input.js';
import { WebhookDeliveryLog } from './webhook-delivery-log.js';
import { WebhookEndpoints } from './webhook-endpoints.js';

export interface IntegrationServices {
  readonly webhooks: WebhookEndpoints;
  readonly deliveries: WebhookDeliveryLog;
  readonly tools: BusinessTools;
}

export function createIntegrationServices(options: {
  prisma: PrismaClient;
  audit: AuditLog;
  policy: IntegrationPolicy;
  /** A delivery was queued to go now ("send again"): wakes this replica's worker. */
  onQueued?: () => void;
  now?: () => Date;
}): IntegrationServices {
  const { prisma, audit, policy } = options;
  return {
    webhooks: new WebhookEndpoints({ prisma, audit, policy, ...(options.now ? { now: options.now } : {}) }),
    deliveries: new WebhookDeliveryLog({ prisma, audit, ...(options.onQueued ? { onQueued: options.onQueued } : {}) }),
    tools: new BusinessTools({ prisma, audit, policy }),
  };
}
