// The per-VAD barge-in corpus, made at bench time with espeak-ng and sox (a
// missing tool fails the section, it is never skipped), as 8 kHz PCM decoded
// from G.711 mu-law, what the gateway hears from Asterisk:
// - `agent`: the agent's long answer (espeak-ng, a female voice): its frames
//   drive the echo gate, and it comes back on the caller's side at -18 dB;
// - `speech`: a caller sentence (another voice) for true barge-ins;
// - `backchannels`: "mm-hm", "uh-huh", "yeah", "okay", "right" with pauses
//   (listening noises that should not stop the agent);
// - `coughs`: 300 ms band-limited noise bursts with a cough's envelope;
// - `clicks`: 4 ms impulses twice a second (a handset knocked, line clicks);
// - `noise`: pink noise, scaled by the bench to several SNRs against `speech`.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeUlaw } from '../../media/codec/g711.js';

const run = promisify(execFile);
const RAW_ULAW = ['-r', '8000', '-c', '1', '-e', 'mu-law', '-t', 'raw'];

const AGENT_TEXT =
  'Our dental practice is open Monday to Friday from eight in the morning until six in the evening, ' +
  'and on Saturdays from nine until one. We are closed on Sundays and on public holidays. ' +
  'New patients are welcome, and you can book a cleaning, a check-up or a consultation by phone or online.';
const CALLER_TEXT = 'Sorry, I need to change my appointment to Thursday afternoon.';
const BACKCHANNELS = ['mm-hm', 'uh-huh', 'yeah', 'okay', 'right'];

export interface VadCorpus {
  readonly agent: Int16Array;
  readonly speech: Int16Array;
  readonly backchannels: Int16Array;
  readonly coughs: Int16Array;
  readonly clicks: Int16Array;
  readonly noise: Int16Array;
}

async function requireTool(tool: string): Promise<void> {
  try {
    await run(tool, ['--version']);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `the VAD corpus needs ${tool} (apt-get install espeak-ng sox); it is not on PATH` : `${tool} --version failed`, { cause: error });
  }
}

async function pcm(file: string): Promise<Int16Array> {
  const ulaw = await readFile(file);
  const samples = new Int16Array(ulaw.length);
  decodeUlaw(ulaw, samples);
  return samples;
}

async function speak(dir: string, name: string, text: string, voice: string, padSeconds = 0): Promise<string> {
  const wav = join(dir, `${name}.wav`);
  const out = join(dir, `${name}.ulaw`);
  await run('espeak-ng', ['-v', voice, '-s', '165', '-w', wav, text]);
  await run('sox', [wav, ...RAW_ULAW, out, 'pad', '0', String(padSeconds)]);
  return out;
}

/** Writes the corpus into `dir` and reads it back; noise clips last `seconds`. */
export async function makeVadCorpus(dir: string, seconds: number): Promise<VadCorpus> {
  await requireTool('espeak-ng');
  await requireTool('sox');
  const agent = await speak(dir, 'agent', AGENT_TEXT, 'en-us+f3');
  const speech = await speak(dir, 'caller', CALLER_TEXT, 'en-us+m3');
  const pieces = await Promise.all(BACKCHANNELS.map((word, i) => speak(dir, `backchannel-${i}`, word, 'en-us+m3', 1.5)));
  const backchannels = join(dir, 'backchannels.ulaw');
  await run('sox', [...pieces.flatMap((piece) => [...RAW_ULAW, piece]), ...RAW_ULAW, backchannels]);
  const coughs = join(dir, 'coughs.ulaw');
  const repeats = String(Math.max(1, Math.ceil(seconds / 1.5)));
  await run('sox', ['-n', ...RAW_ULAW, coughs, 'synth', '0.3', 'brownnoise', 'sinc', '300-2500', 'fade', 'q', '0.01', '0.3', '0.2', 'vol', '0.8', 'pad', '0', '1.2', 'repeat', repeats]);
  const clicks = join(dir, 'clicks.ulaw');
  await run('sox', ['-n', ...RAW_ULAW, clicks, 'synth', '0.004', 'whitenoise', 'vol', '0.9', 'pad', '0', '0.496', 'repeat', String(seconds * 2)]);
  const noise = join(dir, 'noise.ulaw');
  await run('sox', ['-n', ...RAW_ULAW, noise, 'synth', String(seconds), 'pinknoise', 'vol', '0.1']);
  const [a, s, b, c, k, n] = await Promise.all([agent, speech, backchannels, coughs, clicks, noise].map(pcm));
  return { agent: a!, speech: s!, backchannels: b!, coughs: c!, clicks: k!, noise: n! };
}

/** RMS level in dBFS of the samples louder than -50 dBFS in 20 ms blocks (the active level, not the pauses). */
export function activeLevelDbfs(samples: Int16Array): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i + 160 <= samples.length; i += 160) {
    let block = 0;
    for (let k = i; k < i + 160; k += 1) block += samples[k]! * samples[k]!;
    if (10 * Math.log10(block / 160 / 32768 ** 2) > -50) {
      sum += block;
      count += 160;
    }
  }
  return count === 0 ? -100 : 10 * Math.log10(sum / count / 32768 ** 2);
}
