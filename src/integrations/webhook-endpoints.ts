// A business's webhook endpoints as its managers manage them: add, change,
// delete, rotate the signing secret, show the secret. Every change is checked
// (the URL against the SSRF rules, the event types against the catalog) and
// written to the audit log; the secret itself never goes there.
//
// Rotation: the new secret signs at once; the previous one keeps signing next
// to it (two signatures in webhook-signature) for WEBHOOK_SECRET_OVERLAP_MS,
// so a receiver can switch to the new secret without losing a message.
import { newSigningSecret } from '../../media/contract/standard-webhooks.js';
import type { PrismaClient } from '../db/index.js';
import { ApiError } from '../http/errors.js';
import type { AuditLog } from '../staff/audit-log.js';
import { checkedDestination, checkedText, isUuid, shownDestination, type ChangeContext, type IntegrationPolicy } from './integration-input.js';
import { isWebhookEventType, WEBHOOK_EVENT_TYPES, type WebhookEventType } from './webhook-events.js';

export const WEBHOOK_SECRET_OVERLAP_MS = 24 * 60 * 60 * 1000;
/** Endpoints per business: enough for a few systems, not a fan-out amplifier. */
export const MAX_WEBHOOK_ENDPOINTS = 10;
const MAX_DESCRIPTION = 200;

export interface WebhookEndpointInput {
  readonly url: string;
  readonly description: string;
  readonly events: readonly string[];
  readonly enabled: boolean;
}

export interface WebhookEndpointView {
  readonly id: string;
  readonly url: string;
  readonly description: string;
  readonly events: WebhookEventType[];
  readonly enabled: boolean;
  readonly createdAt: Date;
  /** While the previous secret still signs, until when. */
  readonly previousSecretUntil: Date | null;
}

export interface WebhookSecrets {
  readonly secret: string;
  readonly previousSecret: string | null;
  readonly previousSecretUntil: Date | null;
}

interface EndpointRow {
  id: string;
  url: string;
  description: string;
  events: unknown;
  enabled: boolean;
  createdAt: Date;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
}

function eventsOf(value: unknown): WebhookEventType[] {
  return Array.isArray(value) ? value.filter((item): item is WebhookEventType => typeof item === 'string' && isWebhookEventType(item)) : [];
}

export class WebhookEndpoints {
  readonly #prisma: PrismaClient;
  readonly #audit: AuditLog;
  readonly #policy: IntegrationPolicy;
  readonly #now: () => Date;

  constructor(options: { prisma: PrismaClient; audit: AuditLog; policy: IntegrationPolicy; now?: () => Date }) {
    this.#prisma = options.prisma;
    this.#audit = options.audit;
    this.#policy = options.policy;
    this.#now = options.now ?? (() => new Date());
  }

  #view(row: EndpointRow): WebhookEndpointView {
    const overlapping = row.previousSecret !== null && row.previousSecretExpiresAt !== null && row.previousSecretExpiresAt > this.#now();
    return {
      id: row.id,
      url: row.url,
      description: row.description,
      events: eventsOf(row.events),
      enabled: row.enabled,
      createdAt: row.createdAt,
      previousSecretUntil: overlapping ? row.previousSecretExpiresAt : null,
    };
  }

  async list(businessId: string): Promise<WebhookEndpointView[]> {
    const rows = await this.#prisma.webhookEndpoint.findMany({ where: { businessId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    return rows.map((row) => this.#view(row));
  }

  /** The business's endpoint; not_found for another business's, exactly as for none. */
  async get(businessId: string, id: string): Promise<WebhookEndpointView> {
    return this.#view(await this.#row(businessId, id));
  }

  async #row(businessId: string, id: string) {
    const row = isUuid(id) ? await this.#prisma.webhookEndpoint.findFirst({ where: { id, businessId } }) : null;
    if (!row) throw new ApiError('not_found', 'no such webhook endpoint');
    return row;
  }

  async #checked(input: WebhookEndpointInput): Promise<{ url: string; description: string; events: WebhookEventType[]; enabled: boolean }> {
    const url = await checkedDestination('URL', input.url, this.#policy);
    const description = checkedText('description', input.description, MAX_DESCRIPTION, { optional: true });
    const unknown = input.events.filter((event) => !isWebhookEventType(event));
    if (unknown.length > 0) throw new ApiError('bad_request', `unknown event type ${JSON.stringify(unknown[0])}`);
    // Catalog order, without repeats: what a manager sees is what is stored.
    const events = WEBHOOK_EVENT_TYPES.filter((type) => input.events.includes(type));
    if (events.length === 0) throw new ApiError('bad_request', 'choose at least one event');
    return { url, description, events, enabled: input.enabled };
  }

  /** Adds an endpoint with a new secret; returns its id and the secret (to show once). */
  async create(change: ChangeContext, input: WebhookEndpointInput): Promise<{ id: string; secret: string }> {
    const fields = await this.#checked(input);
    const count = await this.#prisma.webhookEndpoint.count({ where: { businessId: change.businessId } });
    if (count >= MAX_WEBHOOK_ENDPOINTS) throw new ApiError('conflict', `a business may have at most ${MAX_WEBHOOK_ENDPOINTS} webhook endpoints`);
    const secret = newSigningSecret();
    const row = await this.#prisma.webhookEndpoint.create({ data: { businessId: change.businessId, ...fields, secret } });
    await this.#record(change, 'webhook_endpoint_added', row.id, shownDestination(row.url));
    return { id: row.id, secret };
  }

  async update(change: ChangeContext, id: string, input: WebhookEndpointInput): Promise<void> {
    await this.#row(change.businessId, id);
    const fields = await this.#checked(input);
    await this.#prisma.webhookEndpoint.update({ where: { id }, data: fields });
    await this.#record(change, 'webhook_endpoint_changed', id, `${shownDestination(fields.url)}${fields.enabled ? '' : ' (disabled)'}`);
  }

  /** Deletes the endpoint and its delivery log; its pending deliveries are never sent. */
  async remove(change: ChangeContext, id: string): Promise<void> {
    const row = await this.#row(change.businessId, id);
    await this.#prisma.webhookEndpoint.delete({ where: { id } });
    await this.#record(change, 'webhook_endpoint_deleted', id, shownDestination(row.url));
  }

  /** A new secret signs from now on; the current one keeps signing next to it for the overlap. */
  async rotateSecret(change: ChangeContext, id: string): Promise<WebhookSecrets> {
    const row = await this.#row(change.businessId, id);
    const secret = newSigningSecret();
    const until = new Date(this.#now().getTime() + WEBHOOK_SECRET_OVERLAP_MS);
    await this.#prisma.webhookEndpoint.update({ where: { id }, data: { secret, previousSecret: row.secret, previousSecretExpiresAt: until } });
    await this.#record(change, 'webhook_secret_rotated', id, `the previous secret signs until ${until.toISOString()}`);
    return { secret, previousSecret: row.secret, previousSecretUntil: until };
  }

  /** The secrets, for a manager who asked to see them (audited). */
  async revealSecret(change: ChangeContext, id: string): Promise<WebhookSecrets> {
    const row = await this.#row(change.businessId, id);
    const view = this.#view(row);
    await this.#record(change, 'webhook_secret_viewed', id, `webhook endpoint ${shownDestination(row.url)}`);
    return { secret: row.secret, previousSecret: view.previousSecretUntil ? row.previousSecret : null, previousSecretUntil: view.previousSecretUntil };
  }

  async #record(change: ChangeContext, action: 'webhook_endpoint_added' | 'webhook_endpoint_changed' | 'webhook_endpoint_deleted' | 'webhook_secret_rotated' | 'webhook_secret_viewed', targetId: string, detail: string): Promise<void> {
    await this.#audit.record({ businessId: change.businessId, actor: change.actor, action, targetId, detail, ip: change.ip });
  }
}
