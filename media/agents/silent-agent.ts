// Says nothing: the playout stream carries silence. The default until an agent
// that speaks is configured.
import type { AgentFactory } from './agent.js';

export const createSilentAgent: AgentFactory = () => ({
  onCallerFrame() {},
  async close() {},
});
