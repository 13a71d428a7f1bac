// What a page says after a form succeeded (post/redirect/get): the redirect
// carries a fixed code (?done=...), the page shows that code's sentence.
// Nothing from the request is ever echoed.
import { html, type Html } from './html.js';

const NOTICES: Readonly<Record<string, string>> = {
  'password-changed': 'Your password was changed. Your other sessions were ended.',
  'session-ended': 'The session was ended.',
  'sessions-ended': 'Your other sessions were ended.',
  'staff-created': 'The account was created. Give its password to its owner in person or by phone.',
  'staff-disabled': 'The account was disabled and its sessions ended.',
  'staff-enabled': 'The account was enabled.',
  'password-reset': 'The password was set and the account’s sessions ended.',
  'called-back': 'The message was marked as called back.',
  reopened: 'The message was marked as still to call back.',
  'settings-saved': 'The settings were saved. Expired recordings and transcripts are deleted once a day.',
  'content-deleted': 'The call’s recording and transcript were deleted.',
  'endpoint-saved': 'The webhook endpoint was saved.',
  'endpoint-deleted': 'The webhook endpoint and its delivery log were deleted.',
  'sent-again': 'The event was queued and will be sent within a few seconds.',
  'tool-saved': 'The tool was saved. Calls that start from now on can use it.',
  'tool-deleted': 'The tool was deleted. Calls that start from now on no longer offer it.',
  'mcp-saved': 'The MCP server was saved. Calls that start from now on list its tools.',
  'mcp-deleted': 'The MCP server was removed.',
};

export function noticeFor(query: unknown): Html {
  const code = (query as Record<string, unknown> | undefined)?.done;
  const text = typeof code === 'string' ? NOTICES[code] : undefined;
  return text ? html`<p class="notice" role="status">${text}</p>` : html``;
}

export function withNotice(path: string, code: keyof typeof NOTICES): string {
  return `${path}${path.includes('?') ? '&' : '?'}done=${code}`;
}
