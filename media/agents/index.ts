import type { AgentFactory } from './agent.js';
import { createEchoAgent } from './echo-agent.js';
import { createSilentAgent } from './silent-agent.js';

export const AGENT_KINDS = ['silent', 'echo'] as const;
export type AgentKind = (typeof AGENT_KINDS)[number];

export const AGENT_FACTORIES: Readonly<Record<AgentKind, AgentFactory>> = {
  silent: createSilentAgent,
  echo: createEchoAgent,
};

export type { AgentContext, AgentFactory, CallAgent } from './agent.js';
