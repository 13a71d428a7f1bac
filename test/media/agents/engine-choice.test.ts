// Engines per business at the gateway's door: a session whose business names
// an engine this gateway does not offer is refused at create (422, naming the
// engine and what enables it); the configuration says which engines are
// offered and refuses a half-configured self-hosted engine.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMediaConfig, MediaConfigError } from '../../../media/config.js';
import { MEDIA_AUTH_HEADER, bearer } from '../../../media/contract/sessions.js';
import type { MediaGateway } from '../../../media/media-gateway.js';
import { gatewayEnvironment } from '../../kit/program-env.js';
import { startGatewayHere } from '../../kit/programs.js';
import { sessionRequest } from '../../support/media-rtp-peer.js';
import { captureLogs } from '../../support/log-capture.js';

const TOKEN = 'test-gateway-token-0123456789';
const SELF_HOSTED = { SELF_HOSTED_STT_URL: 'http://127.0.0.1:9/v1', SELF_HOSTED_LLM_URL: 'http://127.0.0.1:9/v1', SELF_HOSTED_TTS_URL: 'http://127.0.0.1:9/v1' };

let gateway: MediaGateway | null = null;
let root: string | null = null;
afterEach(async () => {
  await gateway?.close();
  gateway = null;
  if (root) await rm(root, { recursive: true, force: true });
  root = null;
});

async function start(env: Record<string, string>): Promise<MediaGateway> {
  root = await mkdtemp(join(tmpdir(), 'engine-choice-'));
  const base = gatewayEnvironment({ token: TOKEN, httpPort: 0, backendUrl: null, recordingsDir: join(root, 'recordings'), clipCacheDir: join(root, 'clips'), agent: 'ai' });
  gateway = await startGatewayHere({ ...base, ...env }, captureLogs().logger);
  return gateway;
}

function problems(env: Record<string, string>): readonly string[] {
  try {
    loadMediaConfig({ MEDIA_GATEWAY_TOKEN: TOKEN, MEDIA_AGENT: 'ai', ...env });
  } catch (error) {
    if (error instanceof MediaConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('engines per business', () => {
  it('refuses at create a session whose engine this gateway does not offer, and takes the one it does', async () => {
    const started = await start({ ...SELF_HOSTED, AI_DEFAULT_ENGINE: 'self-hosted' });
    const create = (agent: object) =>
      started.app.inject({ method: 'POST', url: '/sessions', headers: { [MEDIA_AUTH_HEADER]: bearer(TOKEN) }, payload: sessionRequest({ agent: { ...sessionRequest().agent, ...agent } }) });
    const refused = await create({ engine: { name: 'cascade' } });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toEqual({ error: { code: 'engine_unavailable', message: 'the cascade engine is not offered by this media gateway (it needs DEEPGRAM_API_KEY and OPENAI_API_KEY)' } });
    expect((await create({ engine: { name: 'openai-realtime' } })).statusCode).toBe(422);
    expect(started.sessions.size).toBe(0);
    const taken = await create({ engine: { name: 'self-hosted', ttsVoice: 'am_adam' }, vadMode: 'silero' });
    expect(taken.statusCode).toBe(201);
    // Absent engine: the gateway's default (self-hosted here).
    expect((await create({})).statusCode).toBe(201);
    expect(started.sessions.size).toBe(2);
  });

  it('refuses engine settings that are not valid', async () => {
    const started = await start({ ...SELF_HOSTED, AI_DEFAULT_ENGINE: 'self-hosted' });
    const response = await started.app.inject({
      method: 'POST',
      url: '/sessions',
      headers: { [MEDIA_AUTH_HEADER]: bearer(TOKEN) },
      payload: sessionRequest({ agent: { ...sessionRequest().agent, engine: { name: 'self-hosted', language: 'English' } } as never }),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ error: { message: string } }>().error.message).toContain('language');
  });

  it('offers the self-hosted engine alone without cloud keys, and says what is missing otherwise', () => {
    expect(problems({ ...SELF_HOSTED, AI_DEFAULT_ENGINE: 'self-hosted' })).toEqual([]);
    const config = loadMediaConfig({ MEDIA_GATEWAY_TOKEN: TOKEN, MEDIA_AGENT: 'ai', ...SELF_HOSTED, AI_DEFAULT_ENGINE: 'self-hosted', SELF_HOSTED_LLM_MODEL: 'qwen2.5:7b' });
    expect(config.ai).toMatchObject({ cascadeConfigured: false, defaultEngine: 'self-hosted', defaultVadMode: 'energy' });
    expect(config.ai.selfHosted).toMatchObject({ apiKey: 'self-hosted-no-key', llm: { baseUrl: 'http://127.0.0.1:9/v1', model: 'qwen2.5:7b' }, tts: { voice: 'af_heart' } });
    expect(problems({ ...SELF_HOSTED })).toEqual([
      'AI_DEFAULT_ENGINE must be self-hosted on a gateway that offers only the self-hosted engine (no DEEPGRAM_API_KEY or OPENAI_API_KEY)',
    ]);
    expect(problems({ SELF_HOSTED_STT_URL: SELF_HOSTED.SELF_HOSTED_STT_URL, AI_DEFAULT_ENGINE: 'self-hosted' })).toEqual(
      expect.arrayContaining([
        'SELF_HOSTED_LLM_URL is required with SELF_HOSTED_STT_URL (the self-hosted engine needs all three servers)',
        'SELF_HOSTED_TTS_URL is required with SELF_HOSTED_STT_URL (the self-hosted engine needs all three servers)',
      ]),
    );
    expect(problems({ ...SELF_HOSTED, AI_DEFAULT_VAD_MODE: 'neural' })).toEqual(expect.arrayContaining([expect.stringMatching(/^AI_DEFAULT_VAD_MODE.*energy, silero/)]));
  });
});
