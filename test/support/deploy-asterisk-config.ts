// Reads Asterisk configuration files the way Asterisk's config parser does for
// the syntax we use: [sections], `key = value` and `key => value` lines,
// `;` comments (`\;` is a literal semicolon), and #include/#tryinclude of
// files in the same folder. Templates ([name](!) and inheritance), block
// comments and #exec are not used by our files and throw, so a check never
// silently reads something Asterisk would read differently. The dialplan
// reader turns extensions.conf into contexts, extensions and priorities.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ConfigEntry {
  readonly key: string;
  readonly value: string;
  readonly file: string;
  readonly line: number;
}

export interface ConfigSection {
  readonly name: string;
  readonly entries: ConfigEntry[];
}

export interface AsteriskConfig {
  readonly file: string;
  readonly sections: ConfigSection[];
}

export function readAsteriskConfig(dir: string, file: string): AsteriskConfig {
  const sections: ConfigSection[] = [];
  readInto(dir, file, sections, new Set());
  return { file, sections };
}

function readInto(dir: string, file: string, sections: ConfigSection[], seen: Set<string>): void {
  if (seen.has(file)) throw new Error(`${file}: included twice`);
  seen.add(file);
  const text = readFileSync(join(dir, file), 'utf8');
  text.split('\n').forEach((rawLine, index) => {
    const line = index + 1;
    const fail = (message: string): never => {
      throw new Error(`${file}:${line}: ${message}`);
    };
    if (/^\s*;--/.test(rawLine)) fail('block comments are not supported by this reader');
    const content = stripComment(rawLine).trim();
    if (content === '') return;
    if (content.startsWith('#')) {
      const include = /^#(include|tryinclude)\s+"?([^"\s]+)"?$/.exec(content);
      if (!include) fail(`unsupported directive ${content}`);
      const target = include![2]!;
      if (target.includes('/')) fail('includes outside the config folder are not supported');
      if (existsSync(join(dir, target))) readInto(dir, target, sections, seen);
      else if (include![1] === 'include') fail(`#include of a missing file ${target}`);
      return;
    }
    const header = /^\[([^\]]+)\](.*)$/.exec(content);
    if (header) {
      if (header[2]!.trim() !== '') fail(`section options ${header[2]} (templates) are not supported by this reader`);
      sections.push({ name: header[1]!.trim(), entries: [] });
      return;
    }
    const entry = /^([A-Za-z0-9_.+-]+)\s*=>?\s*(.*)$/.exec(content);
    if (!entry) fail(`unrecognized line: ${content}`);
    const section = sections.at(-1);
    if (!section) fail('an entry before the first [section]');
    section!.entries.push({ key: entry![1]!.toLowerCase(), value: entry![2]!.trim(), file, line });
  });
}

function stripComment(line: string): string {
  let out = '';
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\\' && line[i + 1] === ';') {
      out += ';';
      i++;
    } else if (line[i] === ';') {
      break;
    } else {
      out += line[i];
    }
  }
  return out;
}

export function sectionsNamed(config: AsteriskConfig, name: string): ConfigSection[] {
  return config.sections.filter((section) => section.name === name);
}

export function values(section: ConfigSection, key: string): string[] {
  return section.entries.filter((entry) => entry.key === key).map((entry) => entry.value);
}

export function value(section: ConfigSection, key: string): string | undefined {
  return values(section, key).at(-1);
}

/** PJSIP-style objects: sections with a `type`, keyed by type then name. */
export function objectsOfType(config: AsteriskConfig, type: string): ConfigSection[] {
  return config.sections.filter((section) => value(section, 'type') === type);
}

// ------------------------------------------------------------------ dialplan

export interface Priority {
  readonly number: number;
  readonly label: string | null;
  readonly app: string;
  readonly args: string;
  readonly line: number;
}

export type Dialplan = Map<string, Map<string, Priority[]>>;

const NON_DIALPLAN_SECTIONS = new Set(['general', 'globals']);

export function readDialplan(config: AsteriskConfig): Dialplan {
  const dialplan: Dialplan = new Map();
  for (const section of config.sections) {
    if (NON_DIALPLAN_SECTIONS.has(section.name)) continue;
    if (dialplan.has(section.name)) throw new Error(`${config.file}: context ${section.name} defined twice`);
    const extensions = new Map<string, Priority[]>();
    dialplan.set(section.name, extensions);
    let current: { exten: string; last: number } | null = null;
    for (const entry of section.entries) {
      const fail = (message: string): never => {
        throw new Error(`${entry.file}:${entry.line}: ${message}`);
      };
      let exten: string;
      let rest: string;
      if (entry.key === 'exten') {
        const match = /^([^,]+),(.*)$/.exec(entry.value);
        if (!match) fail(`malformed exten ${entry.value}`);
        exten = match![1]!.trim();
        rest = match![2]!;
      } else if (entry.key === 'same') {
        if (!current) fail('same => without a preceding exten');
        exten = current!.exten;
        rest = entry.value;
      } else {
        fail(`unsupported dialplan entry ${entry.key}`);
      }
      const step = /^\s*(\d+|n)(?:\(([A-Za-z0-9_-]+)\))?\s*,\s*([A-Za-z][A-Za-z0-9_]*)(?:\((.*)\))?\s*$/.exec(rest!);
      if (!step) fail(`unsupported priority/application ${rest!}`);
      const previous: number = current !== null && current.exten === exten! ? current.last : 0;
      const number: number = step![1] === 'n' ? previous + 1 : Number(step![1]);
      if (step![1] === 'n' && previous === 0) fail('priority n without a previous priority');
      const priorities = extensions.get(exten!) ?? [];
      if (priorities.some((p) => p.number === number)) fail(`priority ${number} of ${exten!} defined twice`);
      priorities.push({ number, label: step![2] ?? null, app: step![3]!, args: step![4] ?? '', line: entry.line });
      extensions.set(exten!, priorities);
      current = { exten: exten!, last: number };
    }
    for (const priorities of extensions.values()) priorities.sort((a, b) => a.number - b.number);
  }
  return dialplan;
}

/** Splits application arguments at top-level commas (not inside (), [], {} or quotes). */
export function splitArgs(args: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (const char of args) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && '([{'.includes(char)) depth++;
    else if (!quoted && ')]}'.includes(char)) depth--;
    if (char === ',' && depth === 0 && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts.map((part) => part.trim());
}

export interface Location {
  readonly context: string;
  readonly exten: string;
  readonly priority: Priority;
}

/** Resolves a Goto-style target `[[context,]exten,]priority|label` from `from`. */
export function resolveTarget(dialplan: Dialplan, from: Location, target: string): Location | null {
  const parts = splitArgs(target);
  const [context, exten, priority] =
    parts.length === 3 ? parts : parts.length === 2 ? [from.context, parts[0], parts[1]] : [from.context, from.exten, parts[0]];
  const priorities = dialplan.get(context)?.get(exten!);
  const found = priorities?.find((p) => String(p.number) === priority || p.label === priority);
  return found ? { context, exten: exten!, priority: found } : null;
}

/** The application that follows `location` in its extension, if any. */
export function nextPriority(dialplan: Dialplan, location: Location): Location | null {
  const priorities = dialplan.get(location.context)?.get(location.exten) ?? [];
  const next = priorities.find((p) => p.number === location.priority.number + 1);
  return next ? { ...location, priority: next } : null;
}
