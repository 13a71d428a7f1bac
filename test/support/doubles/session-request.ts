// A valid CreateSessionRequest (the backend's POST /sessions body) for agent tests.
import { CreateSessionRequest, type AgentSettings } from '../../../media/contract/sessions.js';

export const TEST_CALL_ID = '00000000-0000-4000-8000-00000000c411';
export const TEST_BUSINESS_ID = '00000000-0000-4000-8000-00000000b125';

export function sessionRequest(agent: Partial<AgentSettings> = {}, from: string | null = '+15551230000'): CreateSessionRequest {
  return CreateSessionRequest.parse({
    callId: TEST_CALL_ID,
    businessId: TEST_BUSINESS_ID,
    channelId: '1795234533.0',
    format: 'ulaw',
    caller: { from, to: '+19863334949' },
    agent: {
      businessName: 'Bright Smile Dental',
      greeting: 'Thanks for calling Bright Smile Dental. How can I help?',
      systemPrompt: 'You book dental appointments.',
      voice: 'aura-2-thalia-en',
      language: 'en-US',
      timezone: 'America/New_York',
      transferTarget: null,
      ...agent,
    },
  });
}
