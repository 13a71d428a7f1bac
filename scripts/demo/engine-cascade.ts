// The cascade engine in the demo: Deepgram speech-to-text, the OpenAI language
// model, text-to-speech. Its fakes are the system's own (test/kit), so it
// starts nothing itself.
import type { DemoEngine } from './demo-engine.js';
import { scriptFakes } from './fake-providers.js';
import { CASCADE_LATENCY_LABELS } from './report-format.js';

export const cascadeDemoEngine: DemoEngine = {
  name: 'cascade',
  settings: {},
  summary: 'speech-to-text -> language model -> text-to-speech (Deepgram and OpenAI)',
  latencyLabels: CASCADE_LATENCY_LABELS,
  start({ providers, script }) {
    return Promise.resolve({
      gatewayEnv: {},
      description: providers.kind === 'real' ? 'Deepgram speech-to-text, the OpenAI model, text-to-speech' : 'the Deepgram and OpenAI fakes',
      scriptFakes: (fakes) => (fakes ? scriptFakes(fakes, script) : null),
    });
  },
};
