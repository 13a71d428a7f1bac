// What running a business tool gave: a result for the model, or a failure it
// can explain to the caller. Never thrown: a tool that fails is an answer too.

export type ToolOutcome =
  | { readonly ok: true; readonly content: string }
  | { readonly ok: false; readonly error: string };

/** Most characters of a tool's answer the model gets (a phone call needs a few facts, not a document). */
export const MAX_RESULT_CHARS = 4_000;

export function succeeded(content: string): ToolOutcome {
  const text = content.trim() === '' ? 'Done.' : content;
  return { ok: true, content: text.length > MAX_RESULT_CHARS ? `${text.slice(0, MAX_RESULT_CHARS)}… (cut)` : text };
}

export function failed(error: string): ToolOutcome {
  return { ok: false, error };
}

/** The tool message the model reads. A failure says so plainly, so the agent tells the caller instead of inventing a result. */
export function toolMessage(outcome: ToolOutcome): string {
  return outcome.ok
    ? outcome.content
    : `The tool failed: ${outcome.error}. Tell the caller you could not do this right now and offer another way; do not make up a result.`;
}
