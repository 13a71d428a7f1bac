// What the demo needs from a conversation engine (`--engine`): its name and
// settings for the demo business, what it starts before the system (its
// provider fakes) and the gateway variables that point the system at them,
// and, once the system is up, how the fakes follow the conversation script.
// Each engine is one small module (engine-*.ts) listed in demo-engines.ts.
import type { EngineName } from '../../media/contract/engines.js';
import type { CleanupStack } from '../../test/kit/cleanup-stack.js';
import type { FakeProviders } from '../../test/kit/fake-providers.js';
import type { Exchange } from './conversation-script.js';
import type { ProviderChoice } from './demo-options.js';
import type { LatencyLabels } from './report-format.js';

export interface DemoEngineStart {
  readonly providers: ProviderChoice;
  readonly script: readonly Exchange[];
  /** What the engine starts is released here (after the system, which is added later). */
  readonly cleanup: CleanupStack;
}

export interface DemoEngineRun {
  /** Gateway variables added to (and overriding) the providers' ones. */
  readonly gatewayEnv: Readonly<Record<string, string>>;
  /** One line for the banner: what answers the caller. */
  readonly description: string;
  /** With fakes: makes them follow the script; returns how the fake hears the next caller line (null with real services). */
  scriptFakes(cascadeFakes: FakeProviders | null): ((callerLine: string) => void) | null;
}

export interface DemoEngine {
  readonly name: EngineName;
  /** The business's engine settings during the demo. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** One line for --help. */
  readonly summary: string;
  /** What the turn latencies measure with this engine, in the order of `latencyText`. */
  readonly latencyLabels: LatencyLabels;
  start(options: DemoEngineStart): Promise<DemoEngineRun>;
}
