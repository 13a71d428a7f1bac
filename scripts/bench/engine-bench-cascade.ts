// The cascade engine in the engines section: the AI latency system as it is
// (Deepgram and OpenAI fakes, zero latency). The caller's turn ends at the
// final transcript.
import { startAiLatencySystem } from './ai-latency-system.js';
import { useEngine, type EngineBench } from './engine-bench.js';

export const cascadeEngineBench: EngineBench = {
  name: 'cascade',
  turnEnd: 'final transcript',
  async start(context) {
    const system = await startAiLatencySystem(context);
    await useEngine(system, 'cascade', {});
    return {
      system,
      answerWith: (text) => system.openai.respond(() => ({ text })),
      expectUtterance: (text) => system.deepgram.queueTranscripts([text]),
      stop: () => system.stop(),
    };
  },
};
