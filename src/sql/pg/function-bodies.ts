/**
 * Function bodies inside a statement: code the server runs later (a
 * function's body, a DO block), so ML calls and object references in them
 * count too. Bodies are dollar-quoted strings anywhere and the single-quoted
 * string after AS in CREATE FUNCTION/PROCEDURE or of DO; each is handed over
 * decoded, with a map back to offsets in the enclosing text.
 */
import { isRoutineStart, statementRanges } from './statement-split.ts';
import { decodeStringWithMap } from './string-literals.ts';
import { isKeyword, type StringToken, type Token } from './tokens.ts';

export type BodyVisitor = (body: string, toText: (offset: number) => number, quoting: 'dollar' | 'string') => void;

/**
 * Calls `visit` for every body inside `text` that passes `worth` (a cheap
 * pre-check on the decoded body): dollar-quoted strings anywhere, and the
 * string bodies of CREATE FUNCTION/PROCEDURE ... AS '...' and DO '...'.
 * `toText` maps an offset in the body to an offset in `text`.
 */
export function forEachBody(text: string, tokens: readonly Token[], worth: (body: string) => boolean, visit: BodyVisitor): void {
  for (const t of tokens) {
    if (t.kind !== 'dollar_string' || t.unterminated || !worth(t.value)) continue;
    const offset = t.start + t.tag.length + 2;
    visit(t.value, (o) => offset + o, 'dollar');
  }
  for (const t of bodyStrings(tokens)) {
    if (!worth(t.value)) continue;
    const decoded = decodeStringWithMap(text, t);
    if (decoded === undefined) continue;
    const { map } = decoded;
    visit(decoded.value, (o) => map[o] ?? t.end - 1, 'string');
  }
}

/** Single-quoted strings holding code: AS '...' of a routine, the code of DO. */
function bodyStrings(tokens: readonly Token[]): StringToken[] {
  const out: StringToken[] = [];
  for (const { from, to } of statementRanges(tokens)) {
    const routine = isRoutineStart(tokens, from);
    const isDo = isKeyword(tokens[from], 'do');
    if (!routine && !isDo) continue;
    for (let k = from + 1; k < to; k++) {
      const t = tokens[k];
      if (t?.kind === 'string' && (isDo || isKeyword(tokens[k - 1], 'as'))) out.push(t);
    }
  }
  return out;
}
