// Whether words the speech-to-text service recognized while the agent talks
// are the caller's or the agent's own voice coming back (pure). Echo is
// transcribed as what the agent says, so words found in the agent's recent
// text are not evidence of the caller; the rest are.

const WORD = /[\p{L}\p{N}']+/gu;

function words(text: string): string[] {
  return (text.toLowerCase().match(WORD) ?? []).map((word) => word.replace(/'/g, ''));
}

/** How many words of `transcript` the agent did not say in `agentText`. */
export function wordsNotSaidByAgent(transcript: string, agentText: string): number {
  const said = new Set(words(agentText));
  return words(transcript).filter((word) => !said.has(word)).length;
}
