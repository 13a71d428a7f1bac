// Reading a password for the admin CLI: from a terminal without echo (asked
// twice), or from standard input with --password-stdin. Never from the
// command line, where it would land in shell history and `ps`.
import { CliUsageError } from './cli-usage-error.js';

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const BACKSPACES = new Set(['\u007f', '\b']);

/** All of standard input, minus one trailing line break. */
export async function readPasswordFromStdin(stdin: NodeJS.ReadStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** One line typed on the terminal, not echoed. */
function askHidden(prompt: string, stdin: NodeJS.ReadStream, stderr: NodeJS.WriteStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (error: Error | null) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (data: Buffer) => {
      for (const char of data.toString('utf8')) {
        if (char === '\r' || char === '\n' || char === CTRL_D) return finish(null);
        if (char === CTRL_C) return finish(new CliUsageError('cancelled'));
        if (BACKSPACES.has(char)) typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}

export async function readPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) return readPasswordFromStdin();
  if (!process.stdin.isTTY) {
    throw new CliUsageError('standard input is not a terminal: pipe the password in and pass --password-stdin');
  }
  const first = await askHidden('Password: ', process.stdin, process.stderr);
  const second = await askHidden('Repeat the password: ', process.stdin, process.stderr);
  if (first !== second) throw new CliUsageError('the passwords do not match');
  return first;
}
