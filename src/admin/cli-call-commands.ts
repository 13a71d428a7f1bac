// The admin CLI's commands for staff extensions (PJSIP realtime rows, written
// directly in the database like the admin API does) and for placing an outbound
// AI call, which needs the running backend (it dials through Asterisk): that one
// is sent to the backend's admin API with OPERATOR_TOKEN.
//
// A new SIP password is printed once, on its own line, for the phone's setup.
import { E164 } from './admin-schemas.js';
import { CliUsageError } from './cli-usage-error.js';
import type { ExtensionView } from './extension-service.js';
import type { CliCommand } from './cli-command.js';
import { OutboundCallRequest } from '../outbound/outbound-request.js';

export const CALL_USAGE = `  extension:create --business <id> --extension <3-4 digits> --name <display name>
  extension:list --business <id> [--json]
  extension:rotate-password --extension <n>
  extension:disable --extension <n>
  call:place --business <id> --to <+E.164> --instructions <text>
             [--greeting <text>] [--var name=value ...]
             (sent to the running backend: BACKEND_URL, default http://127.0.0.1:3000,
              with OPERATOR_TOKEN)`;

function extensionLine(view: ExtensionView): string {
  const state = view.disabledAt ? `disabled ${view.disabledAt}` : 'active';
  return [view.extension, view.displayName, state, `password changed ${view.passwordChangedAt}`].join('\t');
}

/** `name=value` pairs of repeated --var options. */
function variables(values: string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of values) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new CliUsageError(`--var: "${pair}" is not name=value`);
    result[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return result;
}

const list = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);

export const CALL_COMMANDS: Record<string, CliCommand> = {
  'extension:create': {
    options: { business: { type: 'string' }, extension: { type: 'string' }, name: { type: 'string' } },
    required: ['business', 'extension', 'name'],
    async run(values, { extensions, print }) {
      const created = await extensions.create(String(values.business), { extension: String(values.extension), displayName: String(values.name) });
      print(`created extension ${created.extension.extension} (${created.extension.displayName}); SIP user ${created.extension.extension}, password:`);
      print(created.sipPassword);
    },
  },
  'extension:list': {
    options: { business: { type: 'string' }, json: { type: 'boolean' } },
    required: ['business'],
    async run(values, { extensions, print }) {
      const all = await extensions.list(String(values.business));
      if (values.json) return print(JSON.stringify(all, null, 2));
      if (all.length === 0) return print('no extensions');
      for (const view of all) print(extensionLine(view));
    },
  },
  'extension:rotate-password': {
    options: { extension: { type: 'string' } },
    required: ['extension'],
    async run(values, { extensions, print }) {
      const rotated = await extensions.rotatePassword(String(values.extension));
      print(`new password of extension ${rotated.extension.extension} (its phone must register again):`);
      print(rotated.sipPassword);
    },
  },
  'extension:disable': {
    options: { extension: { type: 'string' } },
    required: ['extension'],
    async run(values, { extensions, print }) {
      const disabled = await extensions.disable(String(values.extension));
      print(`disabled extension ${disabled.extension}; Asterisk no longer knows it`);
    },
  },
  'call:place': {
    options: {
      business: { type: 'string' },
      to: { type: 'string' },
      instructions: { type: 'string' },
      greeting: { type: 'string' },
      var: { type: 'string', multiple: true },
    },
    required: ['business', 'to', 'instructions'],
    async run(values, { backend, print }) {
      const to = E164.safeParse(values.to);
      if (!to.success) throw new CliUsageError('--to: must be an E.164 number such as +15551234567');
      const purpose = {
        instructions: values.instructions,
        ...(typeof values.greeting === 'string' ? { greeting: values.greeting } : {}),
        variables: variables(list(values.var)),
      };
      const request = OutboundCallRequest.safeParse({ to: to.data, purpose });
      if (!request.success) throw new CliUsageError(request.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
      if (!backend.operatorToken) throw new CliUsageError('call:place needs OPERATOR_TOKEN (the backend\'s admin API token) in the environment');
      const answer = await fetch(`${backend.url}/admin/api/businesses/${encodeURIComponent(String(values.business))}/calls`, {
        method: 'POST',
        headers: { authorization: `Bearer ${backend.operatorToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(request.data),
      }).catch((error: unknown) => {
        throw new Error(`the backend at ${backend.url} cannot be reached: ${error instanceof Error ? error.message : String(error)}`);
      });
      const body = (await answer.json().catch(() => null)) as { callId?: string; error?: { message?: string } } | null;
      if (answer.status !== 202 || !body?.callId) {
        throw new Error(`the backend refused the call (${answer.status}): ${body?.error?.message ?? 'no details'}`);
      }
      print(`dialing ${to.data}: call ${body.callId}`);
    },
  },
};
