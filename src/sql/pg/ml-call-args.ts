/**
 * The arguments of one ML call: split at top-level commas, with named
 * notation (`name =>` / `name :=`) and VARIADIC recognised, and a lone
 * literal decoded, so that rewrites can tell the shape of a call (a batch
 * size or a payload?) from its text alone.
 */
import { isKeyword, isNameToken, isOp, type Token } from './tokens.ts';

/** An argument that is a single literal or parameter, decoded. */
export type ArgLiteral =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly text: string }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'null' }
  | { readonly kind: 'param'; readonly index: number };

export interface MlCallArg {
  /** The whole argument as written, including `name =>` / `name :=` and VARIADIC. */
  readonly start: number;
  readonly end: number;
  readonly text: string;
  /** Named notation: the parameter name (folded like any identifier). */
  readonly name?: string;
  /** VARIADIC before the argument: it is an array standing for all variadic inputs. */
  readonly variadic?: boolean;
  /** Where the expression itself starts (after VARIADIC and `name =>`), and its text. */
  readonly valueStart: number;
  readonly valueText: string;
  /**
   * Set when the expression is one literal, NULL/TRUE/FALSE, or $n (a sign is
   * allowed before a number). Casts are not folded: 'x'::text has no literal.
   */
  readonly literal?: ArgLiteral;
}

/** The text being scanned, as a place in the original statement. */
export interface SourceText {
  readonly root: string;
  /** Maps an offset in the text being scanned to the original statement. */
  readonly toRoot: (offset: number) => number;
}

/**
 * The top-level arguments between the call's parentheses at token indices
 * `open` and `close` (commas inside parentheses/brackets do not split);
 * `partner` maps each bracket to its match.
 */
export function callArgs(
  tokens: readonly Token[],
  partner: Int32Array,
  open: number,
  close: number,
  src: SourceText,
): MlCallArg[] {
  return splitArgs(tokens, partner, open, close).map(([from, to]) => buildArg(tokens, from, to, src));
}

/** [from, to) token ranges of the top-level arguments between open and close. */
function splitArgs(tokens: readonly Token[], partner: Int32Array, open: number, close: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let from = open + 1;
  for (let k = open + 1; k < close; k++) {
    const kind = tokens[k]?.kind;
    if (kind === 'lparen' || kind === 'lbracket') k = Math.max(k, Math.min(close - 1, partner[k] ?? k));
    else if (kind === 'comma') {
      if (k > from) ranges.push([from, k]);
      from = k + 1;
    }
  }
  if (close > from) ranges.push([from, close]);
  return ranges;
}

function buildArg(tokens: readonly Token[], from: number, to: number, src: SourceText): MlCallArg {
  let v = from;
  const variadic = isKeyword(tokens[v], 'variadic') && v + 1 < to;
  if (variadic) v++;
  const nameTok = tokens[v];
  const named = isNameToken(nameTok) && (isOp(tokens[v + 1], '=>') || isOp(tokens[v + 1], ':=')) && v + 2 < to;
  if (named) v += 2;
  const start = src.toRoot(tokens[from]?.start ?? 0);
  const end = src.toRoot(tokens[to - 1]?.end ?? 0);
  const valueStart = src.toRoot(tokens[v]?.start ?? 0);
  const literal = literalOf(tokens, v, to);
  return {
    start,
    end,
    text: src.root.slice(start, end),
    ...(named && isNameToken(nameTok) ? { name: nameTok.value } : {}),
    ...(variadic ? { variadic } : {}),
    valueStart,
    valueText: src.root.slice(valueStart, end),
    ...(literal === undefined ? {} : { literal }),
  };
}

function literalOf(tokens: readonly Token[], from: number, to: number): ArgLiteral | undefined {
  const t = tokens[from];
  if (t === undefined) return undefined;
  if (to - from === 2 && t.kind === 'op' && (t.text === '-' || t.text === '+')) {
    const n = tokens[from + 1];
    return n?.kind === 'number' ? { kind: 'number', text: t.text === '-' ? `-${n.text}` : n.text } : undefined;
  }
  if (to - from !== 1) return undefined;
  switch (t.kind) {
    case 'string':
      return t.unterminated || t.invalid ? undefined : { kind: 'string', value: t.value };
    case 'dollar_string':
      return t.unterminated ? undefined : { kind: 'string', value: t.value };
    case 'number':
      return { kind: 'number', text: t.text };
    case 'param':
      return { kind: 'param', index: t.index };
    case 'ident':
      if (t.value === 'null') return { kind: 'null' };
      if (t.value === 'true' || t.value === 'false') return { kind: 'boolean', value: t.value === 'true' };
      return undefined;
    default:
      return undefined;
  }
}
