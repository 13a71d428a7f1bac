// Deleting what was said on a call (on request or by retention) also deletes
// the integrations' copies of it: the business tools' arguments and answers
// on the turns, the fixed body of its webhook events (call.ended carries the
// transcript) and the contents of message.taken. The events stay, so their
// delivery log does too, and sending one again rebuilds its body.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../../src/db/index.js';
import { AuditLog } from '../../../src/staff/audit-log.js';
import { RecordingFiles } from '../../../src/staff/recording-files.js';
import { Retention } from '../../../src/staff/retention.js';
import { createBusiness } from '../../kit/calls.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { insertCall } from '../../support/staff-api.js';

let database: TestDatabase;
let db: Db;
let recordingsDir: string;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb(database.url);
  recordingsDir = await mkdtemp(join(tmpdir(), 'retention-integrations-'));
}, 60_000);

afterAll(async () => {
  await db?.close();
  await database?.drop();
  if (recordingsDir) await rm(recordingsDir, { recursive: true, force: true });
});

describe('deleting a call’s content', () => {
  it('empties tool calls on turns and the webhook events’ copies, keeping the events', async () => {
    const businessId = await createBusiness(db.prisma, 'Acme Dental', ['+19863334949']);
    const callId = await insertCall(db.prisma, businessId, { createdAt: new Date(Date.now() - 3_600_000), turns: ['Hello.', 'Where is order A-17?', 'It shipped.'] });
    const toolCall = { id: 'call_1', name: 'lookup_order', source: 'http', arguments: '{"order_id":"A-17"}', ok: true, result: '{"status":"shipped","address":"1 Main St"}', durationMs: 120 };
    await db.prisma.callTurn.updateMany({ where: { callId, seq: 2 }, data: { toolCalls: [toolCall] } });
    const message = await db.prisma.callMessage.create({ data: { callId, businessId, callerName: 'Sam Lee', callbackNumber: '+15550101010', reason: 'Move my cleaning' } });
    await db.prisma.webhookEvent.createMany({
      data: [
        { id: 'msg_ended', businessId, callId, type: 'call.ended', occurredAt: new Date(), data: { callId }, body: '{"data":{"transcript":[{"text":"Where is order A-17?"}]}}' },
        { id: 'msg_message', businessId, callId, type: 'message.taken', occurredAt: new Date(), data: { callId, messageId: message.id, callerName: 'Sam Lee', callbackNumber: '+15550101010', reason: 'Move my cleaning' }, body: '{"data":{"reason":"Move my cleaning"}}' },
      ],
    });

    const retention = new Retention(db.prisma, new RecordingFiles(recordingsDir), new AuditLog(db.prisma), () => new Date());
    await retention.deleteCallContent(businessId, callId, { actor: { kind: 'staff', label: 'mia@acme.example' }, ip: null });

    const turns = await db.prisma.callTurn.findMany({ where: { callId }, orderBy: { seq: 'asc' } });
    expect(turns.map((turn) => [turn.text, turn.toolCalls])).toEqual([
      ['', null],
      ['', null],
      ['', null],
    ]);
    const events = await db.prisma.webhookEvent.findMany({ where: { callId }, orderBy: { id: 'asc' } });
    expect(events.map((event) => [event.id, event.body])).toEqual([
      ['msg_ended', null],
      ['msg_message', null],
    ]);
    expect(events[1]!.data).toEqual({ callId, messageId: message.id, callerName: '', callbackNumber: '', reason: '' });
    expect(JSON.stringify(events)).not.toContain('Move my cleaning');
  });
});
