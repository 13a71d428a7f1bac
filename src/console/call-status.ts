// What each call status means to the staff, in words, and its tone for the
// badge's colour (the word is always shown: colour is never the only cue).

export type StatusTone = 'ok' | 'info' | 'warn' | 'bad' | 'live';

interface StatusText {
  label: string;
  tone: StatusTone;
}

const STATUSES: Readonly<Record<string, StatusText>> = {
  ringing: { label: 'Ringing', tone: 'live' },
  answered: { label: 'In progress', tone: 'live' },
  completed: { label: 'Completed', tone: 'ok' },
  transferred: { label: 'Transferred', tone: 'info' },
  abandoned: { label: 'Hung up before answer', tone: 'warn' },
  interrupted: { label: 'Interrupted', tone: 'warn' },
  failed: { label: 'Failed', tone: 'bad' },
  unrouted: { label: 'Not routed', tone: 'warn' },
  busy: { label: 'Busy', tone: 'warn' },
  no_answer: { label: 'No answer', tone: 'warn' },
};

/** Extra badges of a call: where the rollout sent it, how a warm transfer ended, who answered an outbound call. */
export function outcomeBadges(call: { routedToHuman: boolean; transferOutcome: string | null; amdResult: string | null }): StatusText[] {
  const badges: StatusText[] = [];
  if (call.routedToHuman) badges.push({ label: 'To a person', tone: 'info' });
  if (call.transferOutcome !== null) {
    badges.push({ label: `Transfer: ${humanizeSlug(call.transferOutcome)}`, tone: call.transferOutcome === 'connected' ? 'ok' : 'warn' });
  }
  if (call.amdResult === 'machine') badges.push({ label: 'Answering machine', tone: 'info' });
  return badges;
}

export function statusText(status: string): StatusText {
  return STATUSES[status] ?? { label: status, tone: 'info' };
}

/** Statuses a business's staff can filter on (unrouted calls belong to no business). */
export const FILTERABLE_STATUSES: readonly string[] = [
  'completed',
  'transferred',
  'failed',
  'interrupted',
  'abandoned',
  'answered',
  'ringing',
  'busy',
  'no_answer',
];

/** "caller_hangup" -> "caller hangup". */
export function humanizeSlug(slug: string): string {
  return slug.replace(/[_-]+/g, ' ').trim();
}
