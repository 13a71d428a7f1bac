// The rows a staff extension is made of in Asterisk's PJSIP realtime tables
// (schema `asterisk`, Asterisk 22's own columns and enum types), as
// res_sorcery_realtime reads them: an endpoint, its digest auth and its AOR
// (where the phone registers; Asterisk writes the registration into ps_contacts).
// Pure: the values; extension-service.ts writes them.
//
// The password is not stored: the auth row holds md5_cred, the digest
// credential MD5("user:realm:password") Asterisk checks a phone's answer
// against (auth_type md5), with the realm stated on the row so that the
// credential stays valid whatever PJSIP's default realm is.
import { createHash, randomInt } from 'node:crypto';

/** The realm the credentials are computed for (also PJSIP's default_realm). */
export const SIP_REALM = 'asterisk';
/** The only transport of pjsip.conf; staff phones register over it. */
export const STAFF_TRANSPORT = 'transport-udp';
/** The dialplan context staff phones call into (docker/asterisk/config/extensions.conf). */
export const STAFF_CONTEXT = 'internal';
/** 3 or 4 digits, not starting with 0: what the [internal] context dials (_[1-9]XX, _[1-9]XXX). */
export const EXTENSION_PATTERN = /^[1-9]\d{2,3}$/;
const CALLERID_MAX = 40;
const PASSWORD_LENGTH = 24;
const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

export interface EndpointRow {
  id: string;
  transport: string;
  aors: string;
  auth: string;
  context: string;
  disallow: string;
  allow: string;
  direct_media: 'no';
  rtp_symmetric: 'yes';
  force_rport: 'yes';
  rewrite_contact: 'yes';
  dtmf_mode: 'rfc4733';
  callerid: string;
}

export interface AuthRow {
  id: string;
  auth_type: 'md5';
  username: string;
  realm: string;
  md5_cred: string;
}

export interface AorRow {
  id: string;
  max_contacts: number;
  remove_existing: 'yes';
  qualify_frequency: number;
}

/** A SIP password a phone can be given: 24 characters of an unambiguous alphabet (about 139 bits). */
export function generateSipPassword(): string {
  let password = '';
  for (let index = 0; index < PASSWORD_LENGTH; index += 1) password += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
  return password;
}

/** RFC 2617 HA1: MD5 of "username:realm:password", hex. */
export function md5Credential(username: string, password: string, realm: string = SIP_REALM): string {
  return createHash('md5').update(`${username}:${realm}:${password}`, 'utf8').digest('hex');
}

/** `"Name" <102>` within ps_endpoints.callerid's 40 characters; quotes and angle brackets are dropped from the name. */
export function callerIdOf(extension: string, displayName: string): string {
  const room = CALLERID_MAX - `"" <${extension}>`.length;
  const name = displayName.replace(/["<>\\]/g, '').trim().slice(0, Math.max(0, room)).trim();
  return name === '' ? `<${extension}>` : `"${name}" <${extension}>`;
}

export function extensionRows(extension: string, displayName: string, password: string): { endpoint: EndpointRow; auth: AuthRow; aor: AorRow } {
  return {
    endpoint: {
      id: extension,
      transport: STAFF_TRANSPORT,
      aors: extension,
      auth: extension,
      context: STAFF_CONTEXT,
      disallow: 'all',
      allow: 'ulaw',
      direct_media: 'no',
      rtp_symmetric: 'yes',
      force_rport: 'yes',
      rewrite_contact: 'yes',
      dtmf_mode: 'rfc4733',
      callerid: callerIdOf(extension, displayName),
    },
    auth: { id: extension, auth_type: 'md5', username: extension, realm: SIP_REALM, md5_cred: md5Credential(extension, password) },
    aor: { id: extension, max_contacts: 1, remove_existing: 'yes', qualify_frequency: 60 },
  };
}
