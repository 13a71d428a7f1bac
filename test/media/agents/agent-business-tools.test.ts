// A call's business tools as the AI agent uses them: the list is announced
// before `ready`, a run's record reaches its turn's report, and a turn reported
// before its tool answered (the caller cut it off) is reported again with it.
import { describe, expect, it } from 'vitest';
import { AgentBusinessTools, type BusinessToolSet } from '../../../media/agents/agent-business-tools.js';
import type { TurnReport } from '../../../media/contract/backend.js';
import type { ToolExecution } from '../../../media/tools/call-tools.js';
import type { ToolSpec } from '../../../media/providers/types.js';

const SPEC: ToolSpec = { name: 'lookup_order', description: 'Finds an order.', parameters: { type: 'object', properties: {} } };

function execution(id: string, result: string): ToolExecution {
  return {
    outcome: { ok: true, content: result },
    message: result,
    record: { id, name: 'lookup_order', source: 'http', arguments: '{}', ok: true, result, durationMs: 12 },
  };
}

/** A tool set whose runs answer when the test says so. */
function toolSet() {
  const pending = new Map<string, (value: ToolExecution) => void>();
  let listed!: () => void;
  const set: BusinessToolSet = {
    prepare: () => new Promise<void>((resolve) => (listed = resolve)),
    has: (name) => name === SPEC.name,
    specs: () => [SPEC],
    execute: (toolCallId) => new Promise<ToolExecution>((resolve) => pending.set(toolCallId, resolve)),
    close: () => Promise.resolve(),
  };
  return { set, pending, list: () => listed() };
}

const agentTurn = (seq: number): TurnReport => ({
  seq,
  role: 'agent',
  text: 'Let me check.',
  startedAt: '2026-12-15T10:00:00.000Z',
  endedAt: '2026-12-15T10:00:02.000Z',
  interrupted: true,
  latency: null,
});

describe('AgentBusinessTools', () => {
  it('announces the listed tools before it says it is ready', async () => {
    const { set, list } = toolSet();
    const announced: string[][] = [];
    const tools = new AgentBusinessTools({ tools: set, signal: new AbortController().signal, report: () => {}, listedTools: (specs) => announced.push(specs.map((s) => s.name)) });
    expect(tools.ready).toBe(false);
    list();
    await tools.listed;
    expect(announced).toEqual([['lookup_order']]);
    expect(tools.ready).toBe(true);
  });

  it('puts a finished run on its turn’s report', async () => {
    const { set, pending } = toolSet();
    const reports: TurnReport[] = [];
    const tools = new AgentBusinessTools({ tools: set, signal: new AbortController().signal, report: (t) => reports.push(t), listedTools: () => {} });
    const run = tools.run(3, 'call_1', 'lookup_order', {});
    pending.get('call_1')!(execution('call_1', 'shipped'));
    expect(await run).toBe('shipped');
    expect(tools.withRecords(agentTurn(3)).tools?.map((r) => r.result)).toEqual(['shipped']);
    // Another turn's report carries nothing, and nothing was reported on its own.
    expect(tools.withRecords(agentTurn(4)).tools).toBeUndefined();
    expect(reports).toEqual([]);
  });

  it('reports a turn again when its tool answers after the turn was reported', async () => {
    const { set, pending } = toolSet();
    const reports: TurnReport[] = [];
    const tools = new AgentBusinessTools({ tools: set, signal: new AbortController().signal, report: (t) => reports.push(t), listedTools: () => {} });
    const run = tools.run(3, 'call_1', 'lookup_order', {});
    const first = tools.withRecords(agentTurn(3));
    expect(first.tools).toBeUndefined();
    pending.get('call_1')!(execution('call_1', 'shipped'));
    await run;
    expect(reports).toEqual([{ ...agentTurn(3), tools: [execution('call_1', 'shipped').record] }]);
  });

  it('gives no answer for a run that outlived the call', async () => {
    const { set, pending } = toolSet();
    const call = new AbortController();
    const reports: TurnReport[] = [];
    const tools = new AgentBusinessTools({ tools: set, signal: call.signal, report: (t) => reports.push(t), listedTools: () => {} });
    const run = tools.run(3, 'call_1', 'lookup_order', {});
    tools.withRecords(agentTurn(3));
    call.abort();
    pending.get('call_1')!(execution('call_1', 'late'));
    expect(await run).toBeNull();
    expect(reports).toEqual([]);
  });
});
