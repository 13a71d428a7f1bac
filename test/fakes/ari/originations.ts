// Channels the app originates (POST /channels, /channels/{channelId}) and what their far end
// does, as res/ari/resource_channels.c and main/dial.c of Asterisk 22.10.1 report it:
//
// - the 200 answer is the new channel (state Down, dialplan default/s/1 AppDial2); with `app`
//   the channel is subscribed to the app from the start, so the app sees the dialing;
// - Dial {dialstatus: ""} (the dial begins), then ChannelStateChange Ringing and Dial RINGING;
// - answered: ChannelStateChange Up, Dial ANSWER, STASISSTATUS, StasisStart with `appArgs`
//   (pbx_exec of Stasis(app,appArgs) on the answered channel);
// - busy (SIP 486): Dial BUSY, ChannelHangupRequest {cause: 17}, ChannelDestroyed 17;
// - rejected (SIP 603): ChannelHangupRequest {cause: 21}, Dial NOANSWER (dial.c maps every
//   other cause to NOANSWER), ChannelDestroyed 21;
// - nobody answers within `timeout` seconds: ChannelDestroyed {cause: 19} (the dial's timeout
//   hangs the channel up without a Dial event);
// - no contact for the endpoint: the dial cannot start and the originate answers 500.
// The fake does not implement originate to a dialplan context (`extension`/`context`): it is
// reported as unsupported.

import { channelJson, type ChannelRecord } from './call-model.js';
import { channelHangupRequest, channelStateChange, dial, EventBatch } from './ari-events.js';
import type { CalleeBehaviour } from './public-types.js';
import type { Telephony } from './telephony.js';

const BUSY = 17;
const NO_ANSWER = 19;
const CALL_REJECTED = 21;
const DEFAULT_TIMEOUT_S = 30;
const APP_DIAL_DIALPLAN = { context: 'default', exten: 's', priority: 1, app_name: 'AppDial2', app_data: '(Outgoing Line)' };

export interface OriginateInput {
  channelId: string;
  /** `Tech/resource`, e.g. `PJSIP/100` or `PJSIP/+15551234567@twilio-out`. */
  endpoint: string;
  app: string;
  appArgs: string;
  callerId: string;
  /** Seconds; 0 means Asterisk's default of 30, -1 no timeout. */
  timeout: number;
  variables: Readonly<Record<string, string>>;
}

interface Dialing {
  channel: ChannelRecord;
  app: string;
  args: string[];
  dialstring: string;
  timers: NodeJS.Timeout[];
}

export class Originations {
  private readonly behaviours: Array<{ match: string | RegExp; behaviour: CalleeBehaviour }> = [];
  private readonly dialing = new Map<string, Dialing>();

  private readonly telephony: Telephony;
  private readonly deliver: (batch: EventBatch) => void;
  private readonly notifyChange: () => void;

  constructor(telephony: Telephony, deliver: (batch: EventBatch) => void, notifyChange: () => void) {
    this.telephony = telephony;
    this.deliver = deliver;
    this.notifyChange = notifyChange;
  }

  /** How endpoints matching `match` (the whole endpoint string, or a pattern) behave; later rules win. */
  setCallee(match: string | RegExp, behaviour: CalleeBehaviour): void {
    this.behaviours.unshift({ match, behaviour });
  }

  behaviourOf(endpoint: string): CalleeBehaviour {
    const rule = this.behaviours.find(({ match }) => (typeof match === 'string' ? match === endpoint : match.test(endpoint)));
    return rule?.behaviour ?? { kind: 'ring' };
  }

  /** Creates the channel and starts dialing; the events follow the 200 answer. */
  originate(input: OriginateInput): { body: ReturnType<typeof channelJson>; events: EventBatch } {
    const [tech, resource] = splitEndpoint(input.endpoint);
    const caller = parseCallerId(input.callerId);
    const channel = this.telephony.createChannel({
      id: input.channelId,
      name: this.telephony.nextPjsipName(pjsipEndpointName(tech, resource)),
      kind: 'outbound',
      state: 'Down',
      protocolId: '',
      caller,
      dialplan: { ...APP_DIAL_DIALPLAN },
      dialplanOutsideStasis: { ...APP_DIAL_DIALPLAN },
    });
    channel.connected = { ...caller };
    for (const [name, value] of Object.entries(input.variables)) channel.vars.set(name, value);
    channel.subscribedApp = input.app;
    channel.origination = { endpoint: input.endpoint, dialStatus: '' };
    const body = channelJson(channel);
    const events = new EventBatch();
    const recipients = [input.app];
    events.add(recipients, dial(channelJson(channel), '', resource));
    const entry: Dialing = { channel, app: input.app, args: input.appArgs === '' ? [] : input.appArgs.split(','), dialstring: resource, timers: [] };
    this.dialing.set(channel.id, entry);
    const behaviour = this.behaviourOf(input.endpoint);
    // Every reachable endpoint rings first (SIP 180).
    channel.state = 'Ringing';
    events.add(recipients, channelStateChange(channelJson(channel)));
    this.setDialStatus(entry, 'RINGING', events);
    const timeoutS = input.timeout === 0 ? DEFAULT_TIMEOUT_S : input.timeout;
    if (timeoutS > 0) entry.timers.push(setTimeout(() => this.timeout(entry), timeoutS * 1000));
    if (behaviour.kind !== 'ring' && behaviour.kind !== 'unavailable') {
      entry.timers.push(setTimeout(() => this.settle(entry, behaviour.kind), behaviour.afterMs ?? 0));
    }
    return { body, events };
  }

  /** The far end of a ringing originated channel answers now (whatever its behaviour). */
  answer(channelId: string): void {
    const entry = this.dialing.get(channelId);
    if (!entry) throw new Error(`no originated channel ${channelId} is ringing`);
    this.settle(entry, 'answer');
  }

  isRinging(channelId: string): boolean {
    return this.dialing.has(channelId);
  }

  /** The app hung a ringing channel up (DELETE): the dial is cancelled. */
  forget(channelId: string): void {
    const entry = this.dialing.get(channelId);
    if (!entry) return;
    for (const timer of entry.timers) clearTimeout(timer);
    this.dialing.delete(channelId);
  }

  reset(): void {
    for (const id of [...this.dialing.keys()]) this.forget(id);
  }

  private settle(entry: Dialing, outcome: 'answer' | 'busy' | 'reject'): void {
    if (!this.dialing.has(entry.channel.id) || entry.channel.destroyed) return;
    this.forget(entry.channel.id);
    const { channel, app } = entry;
    const events = new EventBatch();
    if (outcome === 'answer') {
      channel.state = 'Up';
      events.add([app], channelStateChange(channelJson(channel)));
      this.setDialStatus(entry, 'ANSWER', events);
      this.telephony.enterStasis(channel, app, entry.args, events);
    } else if (outcome === 'busy') {
      this.setDialStatus(entry, 'BUSY', events);
      events.add([app], channelHangupRequest(channelJson(channel), { cause: BUSY }));
      channel.hungUpBy = 'caller';
      this.telephony.destroy(channel, BUSY, events, true);
    } else {
      events.add([app], channelHangupRequest(channelJson(channel), { cause: CALL_REJECTED }));
      this.setDialStatus(entry, 'NOANSWER', events);
      channel.hungUpBy = 'caller';
      this.telephony.destroy(channel, CALL_REJECTED, events, true);
    }
    this.deliver(events);
    this.notifyChange();
  }

  private timeout(entry: Dialing): void {
    if (!this.dialing.has(entry.channel.id) || entry.channel.destroyed) return;
    this.forget(entry.channel.id);
    entry.channel.origination!.dialStatus = 'NOANSWER';
    const events = new EventBatch();
    this.telephony.destroy(entry.channel, NO_ANSWER, events, true);
    this.deliver(events);
    this.notifyChange();
  }

  private setDialStatus(entry: Dialing, status: string, events: EventBatch): void {
    entry.channel.origination!.dialStatus = status;
    events.add([entry.app], dial(channelJson(entry.channel), status, entry.dialstring));
  }
}

export function splitEndpoint(endpoint: string): [string, string] {
  const slash = endpoint.indexOf('/');
  return slash < 0 ? [endpoint, ''] : [endpoint.slice(0, slash), endpoint.slice(slash + 1)];
}

/** chan_pjsip names a channel after the endpoint: `PJSIP/+1555@twilio-out` dials endpoint twilio-out. */
function pjsipEndpointName(tech: string, resource: string): string {
  if (tech.toUpperCase() !== 'PJSIP') return resource;
  const at = resource.lastIndexOf('@');
  return at < 0 ? resource : resource.slice(at + 1);
}

/** ast_callerid_parse of `"Name" <number>`, `Name <number>` or a bare number. */
function parseCallerId(callerId: string): { name: string; number: string } {
  const match = /^\s*"?([^"<]*?)"?\s*<([^>]*)>\s*$/.exec(callerId);
  if (match) return { name: match[1]!.trim(), number: match[2]!.trim() };
  return { name: '', number: callerId.trim() };
}
