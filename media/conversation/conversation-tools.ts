// The tools the LLM may call during a call (OpenAI function calling).
import type { ToolSpec } from '../providers/types.js';

export const TOOL_NAMES = {
  endCall: 'end_call',
  transfer: 'transfer_to_human',
  takeMessage: 'take_message',
} as const;

const END_CALL: ToolSpec = {
  name: TOOL_NAMES.endCall,
  description:
    'End the phone call. Call it once the conversation is over and you have said goodbye in the same reply.',
  parameters: {
    type: 'object',
    properties: { reason: { type: 'string', description: 'Why the call ends, in a few words.' } },
    additionalProperties: false,
  },
};

const TRANSFER: ToolSpec = {
  name: TOOL_NAMES.transfer,
  description:
    'Transfer the caller to a member of staff. Use it when the caller asks for a person or you cannot help. Tell the caller you are transferring them in the same reply.',
  parameters: {
    type: 'object',
    properties: { reason: { type: 'string', description: 'Why the caller needs a person, in a few words.' } },
    additionalProperties: false,
  },
};

const TAKE_MESSAGE: ToolSpec = {
  name: TOOL_NAMES.takeMessage,
  description:
    "Take a message for the staff. Ask for the caller's name, a callback number and the reason first, then call this.",
  parameters: {
    type: 'object',
    properties: {
      caller_name: { type: 'string' },
      callback_number: { type: 'string', description: 'Phone number to call back, digits as the caller said them.' },
      reason: { type: 'string' },
    },
    required: ['caller_name', 'callback_number', 'reason'],
    additionalProperties: false,
  },
};

/** The transfer tool is offered only when the business has someone to transfer to. */
export function conversationTools(canTransfer: boolean): ToolSpec[] {
  return canTransfer ? [END_CALL, TRANSFER, TAKE_MESSAGE] : [END_CALL, TAKE_MESSAGE];
}
