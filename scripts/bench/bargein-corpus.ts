// A small barge-in corpus made at bench time with espeak-ng and sox (both must
// be installed: a missing one fails the section, it is never skipped). Each
// clip is raw G.711 mu-law at 8 kHz, as Asterisk sends it:
// - `speech`: a caller talking over the agent (espeak-ng), a true barge-in;
// - `noise`: steady background noise (pink, about -30 dBFS), never one;
// - `bursts`: short loud noises (150 ms of brown noise each second: coughs,
//   knocks, a door), never one unless they last;
// - `coughs`: a cough (250 ms of brown noise, sharp attack, 200 ms decay) and
//   a click (10 ms) 1.25 s later, every 2.5 s: the agent may pause for them,
//   and must resume, never be cut.
// The agent's own voice returned at -18 dB is not a file: the ARI fake echoes
// what the gateway sends (FakeAsterisk.setCallerEcho).
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface BargeInCorpus {
  readonly speech: Buffer;
  readonly noise: Buffer;
  readonly bursts: Buffer;
  readonly coughs: Buffer;
}

const SPEECH = 'Sorry, sorry, I need to change my appointment to Thursday afternoon please.';
const RAW_ULAW = ['-r', '8000', '-c', '1', '-e', 'mu-law', '-t', 'raw'];

async function requireTool(tool: string, versionArg: string): Promise<void> {
  try {
    await run(tool, [versionArg]);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(
      code === 'ENOENT'
        ? `the barge-in corpus needs ${tool} (apt-get install espeak-ng sox); it is not on PATH`
        : `${tool} ${versionArg} failed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/** Writes the corpus into `dir` and reads it back. */
export async function makeBargeInCorpus(dir: string, seconds: number): Promise<BargeInCorpus> {
  await requireTool('espeak-ng', '--version');
  await requireTool('sox', '--version');
  const speechWav = join(dir, 'speech.wav');
  const speech = join(dir, 'speech.ulaw');
  const noise = join(dir, 'noise.ulaw');
  const bursts = join(dir, 'bursts.ulaw');
  const coughWav = join(dir, 'cough.wav');
  const clickWav = join(dir, 'click.wav');
  const coughs = join(dir, 'coughs.ulaw');
  await run('espeak-ng', ['-s', '165', '-w', speechWav, SPEECH]);
  await run('sox', [speechWav, ...RAW_ULAW, speech]);
  await run('sox', ['-n', ...RAW_ULAW, noise, 'synth', String(seconds), 'pinknoise', 'vol', '0.03']);
  await run('sox', ['-n', ...RAW_ULAW, bursts, 'synth', '0.15', 'brownnoise', 'vol', '0.5', 'pad', '0', '0.85', 'repeat', String(Math.max(0, seconds - 1))]);
  const WAV_8K = ['-r', '8000', '-c', '1'];
  await run('sox', ['-n', ...WAV_8K, coughWav, 'synth', '0.25', 'brownnoise', 'vol', '0.6', 'fade', 'q', '0.01', '0.25', '0.2', 'pad', '0', '1.0']);
  await run('sox', ['-n', ...WAV_8K, clickWav, 'synth', '0.01', 'whitenoise', 'vol', '0.5', 'pad', '0', '1.24']);
  await run('sox', [coughWav, clickWav, ...RAW_ULAW, coughs, 'repeat', String(Math.max(0, Math.ceil(seconds / 2.5) - 1))]);
  const [s, n, b, c] = await Promise.all([readFile(speech), readFile(noise), readFile(bursts), readFile(coughs)]);
  return { speech: s, noise: n, bursts: b, coughs: c };
}
