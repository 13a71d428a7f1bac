// A long-running child: its stdout read line by line, SIGTERM then SIGKILL
// after the grace period, its stderr in the errors.
import { describe, expect, it } from 'vitest';
import { parseJsonLine } from './line-reader.js';
import { startProgram } from './program-process.js';

const node = (script: string): string[] => [process.execPath, '-e', script];

describe('startProgram', () => {
  it('reads the line it waits for, skipping others', async () => {
    const program = startProgram('a reporter', node(`console.log('starting'); console.log(JSON.stringify({ port: 4321 })); setInterval(() => {}, 1000);`));
    const port = await program.lines.next((line) => (parseJsonLine(line) as { port?: number } | null)?.port ?? null, 10_000, 'its port');
    expect(port).toBe(4321);
    expect(await program.stop(5_000)).toEqual({ code: null, signal: 'SIGTERM' });
    expect(program.running()).toBe(false);
  });

  it('kills a program that ignores SIGTERM once the grace period is over', async () => {
    const program = startProgram('a stubborn program', node(`process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000);`));
    await program.lines.next((line) => (line === 'ready' ? true : null), 10_000, 'ready');
    expect(await program.stop(50)).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it("says what it waited for when the program exits first, with the program's stderr", async () => {
    const program = startProgram('a failing program', node(`console.error('no such database'); process.exit(3);`));
    await expect(program.lines.next(() => 1, 10_000, 'its port')).rejects.toThrow(/a failing program exited while waiting for its port; stderr:\nno such database/);
    expect((await program.exited).code).toBe(3);
  });
});
