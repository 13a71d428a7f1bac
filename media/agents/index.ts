import type { AgentFactory } from './agent.js';
import { createEchoAgent } from './echo-agent.js';
import { createSilentAgent } from './silent-agent.js';

export const AGENT_KINDS = ['ai', 'echo', 'silent'] as const;
export type AgentKind = (typeof AGENT_KINDS)[number];

/** The agents that need nothing but the session; `ai` is built with its providers (ai-agent-factory.ts). */
export const SIMPLE_AGENT_FACTORIES: Readonly<Record<Exclude<AgentKind, 'ai'>, AgentFactory>> = {
  silent: createSilentAgent,
  echo: createEchoAgent,
};

export type { AgentContext, AgentFactory, CallAgent } from './agent.js';
