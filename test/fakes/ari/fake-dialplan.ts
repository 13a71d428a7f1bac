// The part of the dialplan the fake stands in for: what happens to a channel `continue` sends to
// a context (setDialplan). The fake runs no real dialplan; a test states the step per context.

import type { DialplanLocation } from './call-model.js';
import type { DialplanStep } from './public-types.js';
import { DEFAULT_APP, NORMAL_CLEARING, type Telephony } from './telephony.js';

export class FakeDialplan {
  private readonly telephony: Telephony;
  private readonly notifyChange: () => void;
  private readonly steps = new Map<string, DialplanStep>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(telephony: Telephony, notifyChange: () => void) {
    this.telephony = telephony;
    this.notifyChange = notifyChange;
  }

  set(context: string, step: DialplanStep): void {
    this.steps.set(context, step);
  }

  /** Runs the step set for the context a channel was continued to, `afterMs` later. */
  entered(channelId: string, location: DialplanLocation): void {
    const step = this.steps.get(location.context);
    if (!step) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.run(channelId, step);
    }, step.afterMs ?? 0);
    this.timers.add(timer);
  }

  /** Steps not yet run are dropped (restart, close). */
  cancelPending(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private run(channelId: string, step: DialplanStep): void {
    const channel = this.telephony.liveChannel(channelId);
    if (!channel || channel.stasisApp !== null) return;
    for (const [name, value] of Object.entries(step.variables ?? {})) channel.vars.set(name, value);
    const then = step.then;
    if (then.kind === 'stasis') this.telephony.enterStasisFromDialplan(channel, then.app ?? DEFAULT_APP, then.args);
    else if (then.kind === 'hangup') this.telephony.hangupInDialplan(channel, then.cause ?? NORMAL_CLEARING);
    this.notifyChange();
  }
}
