// Writes a staff extension's rows into Asterisk's PJSIP realtime tables
// (pjsip-realtime.ts has the values), inside the caller's transaction so that
// Asterisk never sees half an extension.
import type { Prisma } from '../db/index.js';
import { extensionRows } from './pjsip-realtime.js';

type Tx = Prisma.TransactionClient;

export async function writeRealtimeRows(tx: Tx, extension: string, displayName: string, password: string): Promise<void> {
  const { endpoint: e, auth: a, aor: o } = extensionRows(extension, displayName, password);
  await deleteRealtimeRows(tx, extension);
  await tx.$executeRaw`
    INSERT INTO asterisk.ps_endpoints (id, transport, aors, auth, context, disallow, allow, direct_media, rtp_symmetric, force_rport, rewrite_contact, dtmf_mode, callerid)
    VALUES (${e.id}, ${e.transport}, ${e.aors}, ${e.auth}, ${e.context}, ${e.disallow}, ${e.allow},
            ${e.direct_media}::asterisk.ast_bool_values, ${e.rtp_symmetric}::asterisk.ast_bool_values, ${e.force_rport}::asterisk.ast_bool_values,
            ${e.rewrite_contact}::asterisk.ast_bool_values, ${e.dtmf_mode}::asterisk.pjsip_dtmf_mode_values_v3, ${e.callerid})`;
  await tx.$executeRaw`
    INSERT INTO asterisk.ps_auths (id, auth_type, username, realm, md5_cred)
    VALUES (${a.id}, ${a.auth_type}::asterisk.pjsip_auth_type_values_v2, ${a.username}, ${a.realm}, ${a.md5_cred})`;
  await tx.$executeRaw`
    INSERT INTO asterisk.ps_aors (id, max_contacts, remove_existing, qualify_frequency)
    VALUES (${o.id}, ${o.max_contacts}, ${o.remove_existing}::asterisk.ast_bool_values, ${o.qualify_frequency})`;
}

export async function deleteRealtimeRows(tx: Tx, extension: string): Promise<void> {
  await tx.$executeRaw`DELETE FROM asterisk.ps_endpoints WHERE id = ${extension}`;
  await tx.$executeRaw`DELETE FROM asterisk.ps_auths WHERE id = ${extension}`;
  await tx.$executeRaw`DELETE FROM asterisk.ps_aors WHERE id = ${extension}`;
  await dropRegistrations(tx, extension);
}

/** The phone's registrations (Asterisk's rows: id `<aor>;@<hash>`, endpoint the endpoint's name). */
export async function dropRegistrations(tx: Tx, extension: string): Promise<void> {
  await tx.$executeRaw`DELETE FROM asterisk.ps_contacts WHERE endpoint = ${extension} OR id LIKE ${`${extension};@%`}`;
}
