// A business's conversation engine and voice activity detector as stored
// (`businesses.engine`, `engine_settings`, `vad_mode`), read back into the
// session contract's shapes. The admin API validates them when saved; a value
// edited by hand that no longer parses falls back to the defaults (the cascade,
// the energy detector) and says why in `problem`: the call is answered rather
// than failing.
import { EngineSelection, VadModeSchema, type VadMode } from '../../media/contract/engines.js';

export function readEngineSelection(name: string, settings: unknown): { selection: EngineSelection; problem: string | null } {
  const object = settings !== null && typeof settings === 'object' && !Array.isArray(settings) ? settings : {};
  const parsed = EngineSelection.safeParse({ ...object, name });
  if (parsed.success) return { selection: parsed.data, problem: null };
  const issue = parsed.error.issues[0];
  return { selection: { name: 'cascade' }, problem: `engine ${name}: ${issue?.message ?? 'invalid settings'}; the cascade answers instead` };
}

export function readVadMode(text: string): { mode: VadMode; problem: string | null } {
  const parsed = VadModeSchema.safeParse(text);
  return parsed.success ? { mode: parsed.data, problem: null } : { mode: 'energy', problem: `vad_mode "${text}" is not known; energy is used` };
}
