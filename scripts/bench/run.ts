// `npm run bench -- [--quick] [--json] [--rt] [--only ...]`: speed and capacity
// measurements (timing assertions never go in tests). Each section prints
// its own readable output and returns JSON fields; with --json the run ends
// with one JSON line merging every section's fields.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBenchOptions, USAGE, type BenchOptions } from './bench-options.js';
import type { BenchContext, BenchSection, SectionFields } from './bench-section.js';
import { CleanupRegistry } from './cleanup.js';
import { capacitySection } from './media-capacity-section.js';
import { rtpCodecSection } from './rtp-codec-section.js';
import { aiLatencySection } from './ai-latency-section.js';

/** In run order: the short micro-benchmark, the AI latency section, then the long capacity search. */
const SECTIONS: readonly BenchSection[] = [rtpCodecSection, aiLatencySection, capacitySection];

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

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
  const cleanup = new CleanupRegistry();
  cleanup.installProcessHooks();
  const tempRoot = mkdtempSync(join(tmpdir(), 'media-bench-'));
  cleanup.addTempDir(tempRoot);
  const context: BenchContext = {
    options,
    cleanup,
    repoRoot,
    benchDir,
    tempRoot,
    print: (text) => process.stdout.write(`${text}\n`),
  };

  const fields: SectionFields = { bench_mode: options.quick ? 'quick' : 'full' };
  const failures: string[] = [];
  const startedMs = performance.now();
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
  fields.bench_seconds = Math.round((performance.now() - startedMs) / 1000);
  cleanup.releaseAll();
  if (options.json) process.stdout.write(`${JSON.stringify(fields)}\n`);
  return failures.length === 0 ? 0 : 1;
}

process.exitCode = await main();
