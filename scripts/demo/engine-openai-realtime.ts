// The OpenAI Realtime engine in the demo: one speech-to-speech WebSocket per
// call. With the real services it is OpenAI's (OPENAI_API_KEY, OPENAI_BASE_URL);
// with fakes, the Realtime fake (test/fakes/openai-realtime/) on 127.0.0.1,
// started here and scripted like the cascade's model: its transcription hears
// each caller line, its model answers it and ends the call with the last one.
// The greeting still comes from the clip cache (the text-to-speech fake).
import { FakeOpenAiRealtime } from '../../test/fakes/openai-realtime/index.js';
import type { DemoEngine, DemoEngineRun } from './demo-engine.js';
import { replyFor } from './fake-providers.js';
import { REALTIME_LATENCY_LABELS } from './report-format.js';

export const openAiRealtimeDemoEngine: DemoEngine = {
  name: 'openai-realtime',
  // The server's VAD ends the caller's turns, as a business gets by default.
  settings: { turnDetection: 'server' },
  summary: 'speech to speech over one OpenAI Realtime WebSocket per call',
  latencyLabels: REALTIME_LATENCY_LABELS,
  async start({ providers, script, cleanup }): Promise<DemoEngineRun> {
    if (providers.kind === 'real') {
      return { gatewayEnv: {}, description: 'the OpenAI Realtime API', scriptFakes: () => null };
    }
    const realtime = await FakeOpenAiRealtime.start();
    cleanup.add('the OpenAI Realtime fake', () => realtime.close());
    return {
      gatewayEnv: { OPENAI_BASE_URL: realtime.baseURL, OPENAI_API_KEY: realtime.apiKey },
      description: 'the OpenAI Realtime fake (greeting from the text-to-speech fake)',
      scriptFakes: () => {
        realtime.respond((view) => replyFor(script, view.lastUserText));
        return (callerLine) => realtime.queueTranscripts(callerLine);
      },
    };
  },
};
