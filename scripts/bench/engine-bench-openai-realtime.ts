// The OpenAI Realtime engine in the engines section: the AI latency system
// with the gateway's OpenAI endpoint on the Realtime fake (zero latency: the
// answer starts at once, its audio all at once, transcription at the commit),
// started in this process like the other fakes. The server's VAD ends the
// caller's turn: its speech_stopped and commit (one after the other).
import { FakeOpenAiRealtime } from '../../test/fakes/openai-realtime/index.js';
import { startAiLatencySystem } from './ai-latency-system.js';
import { useEngine, type EngineBench } from './engine-bench.js';

export const openAiRealtimeEngineBench: EngineBench = {
  name: 'openai-realtime',
  turnEnd: 'server VAD speech_stopped / commit',
  async start(context) {
    const realtime = await FakeOpenAiRealtime.start({ knobs: { firstAudioDelayMs: 0, realTimeFactor: 0, transcriptionDelayMs: 0 } });
    context.cleanup.add('the OpenAI Realtime fake', () => realtime.close());
    const system = await startAiLatencySystem(context, { OPENAI_BASE_URL: realtime.baseURL, OPENAI_API_KEY: realtime.apiKey });
    await useEngine(system, 'openai-realtime', { turnDetection: 'server' });
    return {
      system,
      answerWith: (text) => realtime.respond(() => ({ text })),
      expectUtterance: (text) => realtime.queueTranscripts(text),
      stop: async () => {
        await system.stop();
        await realtime.close();
      },
    };
  },
};
