// The self-hosted engine in the demo: the cascade over OpenAI-compatible
// servers the operator runs (speech to text through /v1/audio/transcriptions
// with utterances cut by our VAD, chat completions, /v1/audio/speech). With
// SELF_HOSTED_STT_URL, SELF_HOSTED_LLM_URL and SELF_HOSTED_TTS_URL in the
// environment the gateway uses those servers; without them, the system's own
// fakes (test/kit points SELF_HOSTED_* at the OpenAI fake).
import type { DemoEngine } from './demo-engine.js';
import { scriptFakes } from './fake-providers.js';
import { CASCADE_LATENCY_LABELS } from './report-format.js';

const SERVER_URLS = ['SELF_HOSTED_STT_URL', 'SELF_HOSTED_LLM_URL', 'SELF_HOSTED_TTS_URL'] as const;

/** The SELF_HOSTED_* variables of the environment when all three servers are named, else none. */
function ownServers(env: NodeJS.ProcessEnv): Record<string, string> {
  if (!SERVER_URLS.every((name) => Boolean(env[name]))) return {};
  const servers: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (name.startsWith('SELF_HOSTED_') && value) servers[name] = value;
  return servers;
}

export const selfHostedDemoEngine: DemoEngine = {
  name: 'self-hosted',
  settings: {},
  summary: 'the cascade over your own servers (whisper, Ollama/vLLM, Kokoro) from SELF_HOSTED_*_URL, else fakes of them',
  latencyLabels: CASCADE_LATENCY_LABELS,
  start({ script }) {
    const gatewayEnv = ownServers(process.env);
    const own = Object.keys(gatewayEnv).length > 0;
    return Promise.resolve({
      gatewayEnv,
      description: own ? 'YOUR servers (SELF_HOSTED_*_URL)' : 'fakes of the transcription, chat and speech servers',
      scriptFakes: (fakes) => (fakes && !own ? scriptFakes(fakes, script, 'self-hosted') : null),
    });
  },
};
