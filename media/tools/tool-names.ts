// The names the model sees for a business's tools (pure). The built-in tools
// keep theirs; then the HTTP tools (by name), then each MCP server's tools
// (servers by name, then id; tools by name). A name that is taken, or not a
// valid function name, becomes "<server>_<tool>", then gets "_2", "_3"...:
// the same tools always get the same names, whatever order they arrive in.
import { TOOL_NAME_PATTERN } from '../contract/sessions.js';

export interface ToolCandidate<T> {
  /** The tool's own name. */
  readonly name: string;
  /** Put in front when the name clashes (an MCP server's name); null: none. */
  readonly prefix: string | null;
  readonly target: T;
}

const MAX_NAME_LENGTH = 64;

/** A valid function name made of `text`: other characters become "_", a leading non-letter gets "t_". */
export function sanitizeToolName(text: string): string {
  let name = text.replace(/[^A-Za-z0-9_-]/g, '_');
  if (!/^[A-Za-z]/.test(name)) name = `t_${name}`;
  return name.slice(0, MAX_NAME_LENGTH);
}

function withSuffix(base: string, n: number): string {
  const suffix = `_${n}`;
  return `${base.slice(0, MAX_NAME_LENGTH - suffix.length)}${suffix}`;
}

/** Exposed name -> target, in the order given; `reserved` names are never handed out. */
export function assignToolNames<T>(reserved: Iterable<string>, candidates: readonly ToolCandidate<T>[]): Map<string, T> {
  const taken = new Set(reserved);
  const assigned = new Map<string, T>();
  for (const candidate of candidates) {
    const own = sanitizeToolName(candidate.name);
    let name = own;
    if (taken.has(name) || !TOOL_NAME_PATTERN.test(candidate.name)) {
      if (candidate.prefix !== null) name = sanitizeToolName(`${candidate.prefix}_${candidate.name}`);
    }
    const base = name;
    for (let n = 2; taken.has(name); n += 1) name = withSuffix(base, n);
    taken.add(name);
    assigned.set(name, candidate.target);
  }
  return assigned;
}
