// The conversation engines `npm run demo -- --engine <name>` can run the call
// on; the first is the default. A new engine is one module and one entry.
import type { DemoEngine } from './demo-engine.js';
import { cascadeDemoEngine } from './engine-cascade.js';
import { openAiRealtimeDemoEngine } from './engine-openai-realtime.js';
import { selfHostedDemoEngine } from './engine-self-hosted.js';

export const DEMO_ENGINES: readonly DemoEngine[] = Object.freeze([cascadeDemoEngine, openAiRealtimeDemoEngine, selfHostedDemoEngine]);

export const DEFAULT_DEMO_ENGINE: string = DEMO_ENGINES[0]!.name;

export function findDemoEngine(name: string): DemoEngine | null {
  return DEMO_ENGINES.find((engine) => engine.name === name) ?? null;
}
