// Token-like pieces for streaming: words with their leading whitespace, runs of punctuation,
// long words cut into four-character runs, like a BPE tokenizer's output. Pure; the pieces
// always concatenate back to the input.

const PIECE_PATTERN = /\s*[\p{L}\p{N}_']+|\s*[^\s\p{L}\p{N}_']+|\s+/gu;
const LONG_WORD = 6;
const RUN = 4;

export function textPieces(text: string): string[] {
  const pieces: string[] = [];
  for (const match of text.matchAll(PIECE_PATTERN)) {
    const piece = match[0];
    const leading = /^\s*/.exec(piece)![0];
    const body = Array.from(piece.slice(leading.length));
    if (body.length <= LONG_WORD) {
      pieces.push(piece);
      continue;
    }
    for (let start = 0; start < body.length; start += RUN) {
      pieces.push((start === 0 ? leading : '') + body.slice(start, start + RUN).join(''));
    }
  }
  return pieces;
}
