// Builders for ARI event payloads in the shape a real Asterisk 22 sends
// (copied from the recorded inbound-externalmedia-ulaw trace).
import type { StasisStartEvent } from '../../src/ari/types.js';

export function stasisStart(options: {
  args?: string[];
  exten?: string;
  name?: string;
  id?: string;
  callerNumber?: string;
} = {}): StasisStartEvent {
  const exten = options.exten ?? '+15557654321';
  return {
    type: 'StasisStart',
    timestamp: '2026-11-21T04:15:33.633+0000',
    args: options.args ?? ['inbound'],
    channel: {
      id: options.id ?? '1795234533.0',
      name: options.name ?? 'PJSIP/twilio-trunk-00000000',
      state: 'Ring',
      protocol_id: '1-16513@127.0.0.1',
      caller: { name: 'Caller', number: options.callerNumber ?? '+15551230000' },
      connected: { name: '', number: '' },
      accountcode: '',
      dialplan: { context: 'from-twilio', exten, priority: 2, app_name: 'Stasis', app_data: 'prosaas_ai,inbound' },
      creationtime: '2026-11-21T04:15:33.632+0000',
      language: 'en',
    },
    asterisk_id: '02:fc:00:00:00:01',
    application: 'prosaas_ai',
  };
}
