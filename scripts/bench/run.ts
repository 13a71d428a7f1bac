// `npm run bench -- [--quick] [--json] [--rt] [--only ...]`: speed and capacity
// measurements (timing assertions never go in tests). Each section prints
// its own readable output and returns JSON fields; with --json the run ends
// with one JSON line merging every section's fields.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CleanupStack } from '../../test/kit/cleanup-stack.js';
import { parseBenchOptions, USAGE, type BenchOptions } from './bench-options.js';
import type { BenchContext, BenchSection, SectionFields } from './bench-section.js';
import { capacitySection } from './media-capacity-section.js';
import { rtpCodecSection } from './rtp-codec-section.js';
import { threadRingSection } from './thread-ring-section.js';
import { aiLatencySection } from './ai-latency-section.js';
import { webhookSection } from './webhook-section.js';
import { failoverSection } from './failover-section.js';
import { aiCapacitySection } from './ai-capacity-section.js';
import { enginesSection } from './engines-section.js';
import { vadSection } from './vad-section.js';
import { selfHostedSection } from './self-hosted-section.js';

/** In run order: the short micro-benchmarks (RTP, thread rings, VAD corpus), the AI latency, engine, webhook and failover sections, then the long capacity searches. */
const SECTIONS: readonly BenchSection[] = [rtpCodecSection, threadRingSection, vadSection, aiLatencySection, enginesSection, selfHostedSection, webhookSection, failoverSection, aiCapacitySection, capacitySection];

const benchDir = fileURLToPath(new URL('.', import.meta.url));

function selectSections(options: BenchOptions): readonly BenchSection[] {
  if (options.only === null) return SECTIONS;
  const unknown = options.only.filter((name) => !SECTIONS.some((section) => section.name === name));
  if (unknown.length > 0) {
    throw new Error(`unknown section ${unknown.join(', ')}; sections: ${SECTIONS.map((s) => s.name).join(', ')}`);
  }
  return SECTIONS.filter((section) => options.only!.includes(section.name));
}

async function main(): Promise<number> {
  let options: BenchOptions;
  let sections: readonly BenchSection[];
  try {
    options = parseBenchOptions(process.argv.slice(2));
    sections = selectSections(options);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\nsections: ${SECTIONS.map((s) => `${s.name} (${s.title})`).join('; ')}\n`);
    return 0;
  }
  const cleanup = new CleanupStack();
  releaseOnSignals(cleanup);
  const tempRoot = await mkdtemp(join(tmpdir(), 'media-bench-'));
  cleanup.add(`temp dir ${tempRoot}`, () => rm(tempRoot, { recursive: true, force: true }));
  // As root an embedded PostgreSQL runs as the postgres user, which must be able to enter the folder.
  await chmod(tempRoot, 0o755);
  const context: BenchContext = {
    options,
    cleanup,
    benchDir,
    tempRoot,
    print: (text) => process.stdout.write(`${text}\n`),
  };

  const fields: SectionFields = { bench_mode: options.quick ? 'quick' : 'full' };
  const failures: string[] = [];
  const startedMs = performance.now();
  try {
    for (const section of sections) {
      context.print(`\n== ${section.title} [${section.name}] ==`);
      try {
        Object.assign(fields, await section.run(context));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        failures.push(section.name);
        fields[`${section.name}_error`] = message;
        process.stderr.write(`section ${section.name} failed: ${message}\n`);
      }
    }
  } finally {
    for (const failure of await cleanup.releaseAll()) process.stderr.write(`bench cleanup: ${failure}\n`);
  }
  fields.bench_seconds = Math.round((performance.now() - startedMs) / 1000);
  if (options.json) process.stdout.write(`${JSON.stringify(fields)}\n`);
  return failures.length === 0 ? 0 : 1;
}

/**
 * Ctrl-C or SIGTERM releases everything, then exits 130/143. Child processes
 * still running when this process exits are killed by the kit in any case.
 */
function releaseOnSignals(cleanup: CleanupStack): void {
  const onSignal = (signal: NodeJS.Signals, code: number): void => {
    process.stderr.write(`\nbench interrupted (${signal}); cleaning up\n`);
    void cleanup.releaseAll().finally(() => process.exit(code));
  };
  process.once('SIGINT', () => onSignal('SIGINT', 130));
  process.once('SIGTERM', () => onSignal('SIGTERM', 143));
}

process.exitCode = await main();
