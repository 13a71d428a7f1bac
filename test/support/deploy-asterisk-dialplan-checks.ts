// Checks of the dialplan (extensions.conf): every Stasis() names the backend's
// application, every context and Goto target exists, a caller is never dropped
// when the backend is down, and the backend's transfer target exists.
import {
  TRANSFER_CONTEXT,
  TRANSFER_EXTENSION,
  TRANSFER_PRIORITY,
  TRANSFER_TARGET_VARIABLE,
} from '../../src/calls/agent-actions.js';
import { OUTBOUND_AMD_CONTEXT } from '../../src/outbound/dial-outcome.js';
import {
  nextPriority,
  objectsOfType,
  resolveTarget,
  splitArgs,
  value,
  type AsteriskConfig,
  type Dialplan,
  type Location,
} from './deploy-asterisk-config.js';

export function locationsOf(dialplan: Dialplan): Location[] {
  return [...dialplan].flatMap(([context, extensions]) =>
    [...extensions].flatMap(([exten, priorities]) => priorities.map((priority) => ({ context, exten, priority }))),
  );
}

export function checkStasis(dialplan: Dialplan, appName: string): string[] {
  const problems: string[] = [];
  const stasis = locationsOf(dialplan).filter((location) => location.priority.app === 'Stasis');
  for (const { context, exten, priority } of stasis) {
    const [app, first, second] = splitArgs(priority.args);
    if (app !== appName) problems.push(`extensions.conf:${priority.line}: Stasis(${app}) in ${context}/${exten}, but the backend registers ${appName}`);
    if (context === OUTBOUND_AMD_CONTEXT) continue;
    if (first !== 'inbound' || second !== '${EXTEN}') problems.push(`extensions.conf:${priority.line}: Stasis arguments are not inbound,\${EXTEN}`);
  }
  const twilio = dialplan.get('from-twilio');
  if (!twilio) return [...problems, 'extensions.conf: no [from-twilio] context'];
  for (const exten of ['_X.', '_+X.', 's']) {
    const first = twilio.get(exten)?.[0];
    if (!first || first.app !== 'Stasis') problems.push(`extensions.conf: from-twilio/${exten} does not start with Stasis()`);
  }
  return problems;
}

export function checkContexts(pjsip: AsteriskConfig, dialplan: Dialplan): string[] {
  const problems: string[] = [];
  for (const endpoint of objectsOfType(pjsip, 'endpoint')) {
    const context = value(endpoint, 'context');
    if (!context) problems.push(`pjsip.conf: endpoint ${endpoint.name} names no context`);
    else if (!dialplan.has(context)) problems.push(`pjsip.conf: endpoint ${endpoint.name} names context ${context}, which extensions.conf does not define`);
  }
  for (const location of locationsOf(dialplan)) {
    const { app, args, line } = location.priority;
    const targets = app === 'Goto' ? [args] : app === 'GotoIf' ? (/\?(.*)$/.exec(args)?.[1] ?? '').split(':').filter(Boolean) : [];
    for (const target of targets) {
      if (!resolveTarget(dialplan, location, target)) problems.push(`extensions.conf:${line}: ${app} target ${target} does not exist`);
    }
  }
  return problems;
}

/** Applications run from `start` on, following Goto (at most `limit` steps). */
function walk(dialplan: Dialplan, start: Location | null, limit = 20): Location[] {
  const path: Location[] = [];
  let current = start;
  while (current && path.length < limit) {
    path.push(current);
    if (current.priority.app === 'Hangup') break;
    current = current.priority.app === 'Goto' ? resolveTarget(dialplan, current, current.priority.args) : nextPriority(dialplan, current);
  }
  return path;
}

export function dialedEndpoint(location: Location): string | null {
  return /^PJSIP\/([^,@]+)/.exec(splitArgs(location.priority.args)[0] ?? '')?.[1] ?? null;
}

export function checkFallback(pjsip: AsteriskConfig, dialplan: Dialplan): string[] {
  const problems: string[] = [];
  const endpoints = new Set(objectsOfType(pjsip, 'endpoint').map((endpoint) => endpoint.name));
  for (const [exten, priorities] of dialplan.get('from-twilio') ?? []) {
    const check = priorities.find((p) => p.app === 'GotoIf' && /\$\{STASISSTATUS\}"?\s*=\s*"?FAILED/.test(p.args));
    if (!check) {
      problems.push(`extensions.conf: from-twilio/${exten} drops the caller when Stasis fails (no STASISSTATUS = FAILED fallback)`);
      continue;
    }
    const target = /\?([^:]*)/.exec(check.args)?.[1] ?? '';
    const path = walk(dialplan, resolveTarget(dialplan, { context: 'from-twilio', exten, priority: check }, target));
    const apps = path.map((location) => location.priority.app);
    const dial = path.find((location) => location.priority.app === 'Dial');
    const endpoint = dial && dialedEndpoint(dial);
    if (!apps.includes('Playback')) problems.push(`extensions.conf: the fallback of from-twilio/${exten} plays no message`);
    if (!endpoint || !endpoints.has(endpoint)) problems.push(`extensions.conf: the fallback of from-twilio/${exten} does not dial a PJSIP endpoint of pjsip.conf`);
    if (apps.at(-1) !== 'Hangup') problems.push(`extensions.conf: the fallback of from-twilio/${exten} does not end with Hangup`);
  }
  return problems;
}

export function checkTransfer(dialplan: Dialplan): string[] {
  const start = dialplan.get(TRANSFER_CONTEXT)?.get(TRANSFER_EXTENSION)?.find((p) => p.number === TRANSFER_PRIORITY);
  if (!start) return [`extensions.conf: the backend transfers to ${TRANSFER_CONTEXT},${TRANSFER_EXTENSION},${TRANSFER_PRIORITY}, which does not exist`];
  const problems: string[] = [];
  const priorities = dialplan.get(TRANSFER_CONTEXT)!.get(TRANSFER_EXTENSION)!;
  const dial = priorities.find((p) => p.app === 'Dial' && splitArgs(p.args)[0] === `\${${TRANSFER_TARGET_VARIABLE}}`);
  if (!dial) problems.push(`extensions.conf: ${TRANSFER_CONTEXT} does not Dial(\${${TRANSFER_TARGET_VARIABLE}})`);
  else {
    const after = walk(dialplan, nextPriority(dialplan, { context: TRANSFER_CONTEXT, exten: TRANSFER_EXTENSION, priority: dial }));
    const apps = after.map((location) => location.priority.app);
    if (!apps.includes('Playback') || apps.at(-1) !== 'Hangup') problems.push(`extensions.conf: when the transfer is not answered, ${TRANSFER_CONTEXT} does not play a message and hang up`);
  }
  return problems;
}
