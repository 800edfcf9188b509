/**
 * The arguments of one ML call: split at top-level commas, each with its text
 * and, when it is a lone literal, its decoded value, so that the proxy can
 * read an endpoint name or language code without evaluating anything.
 */
import type { Token } from './tokens.ts';

/** An argument that is a single literal or placeholder, decoded. */
export type ArgLiteral =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly text: string }
  | { readonly kind: 'null' }
  | { readonly kind: 'param'; readonly index: number };

export interface MlCallArg {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  /** Set when the argument is one string / number (a sign allowed) / NULL / `?`. */
  readonly literal?: ArgLiteral;
}

/**
 * The top-level arguments between the parentheses at token indices `open`
 * and `close`; `partner` maps each parenthesis to its match.
 */
export function callArgs(sql: string, tokens: readonly Token[], partner: Int32Array, open: number, close: number): MlCallArg[] {
  const out: MlCallArg[] = [];
  let from = open + 1;
  for (let k = open + 1; k <= close; k++) {
    const kind = tokens[k]?.kind;
    if (kind === 'lparen' && k < close) k = Math.max(k, Math.min(close - 1, partner[k] ?? k));
    else if (kind === 'comma' || k === close) {
      if (k > from) out.push(buildArg(sql, tokens, from, k));
      from = k + 1;
    }
  }
  return out;
}

function buildArg(sql: string, tokens: readonly Token[], from: number, to: number): MlCallArg {
  const start = tokens[from]?.start ?? 0;
  const end = tokens[to - 1]?.end ?? start;
  const literal = literalOf(tokens, from, to);
  return { start, end, text: sql.slice(start, end), ...(literal === undefined ? {} : { literal }) };
}

function literalOf(tokens: readonly Token[], from: number, to: number): ArgLiteral | undefined {
  const t = tokens[from];
  if (t === undefined) return undefined;
  if (to - from === 2 && t.kind === 'op' && (t.text === '-' || t.text === '+')) {
    const n = tokens[from + 1];
    return n?.kind === 'number' ? { kind: 'number', text: t.text === '-' ? `-${n.text}` : n.text } : undefined;
  }
  if (to - from !== 1) return undefined;
  if (t.kind === 'string') return t.unterminated ? undefined : { kind: 'string', value: t.value };
  if (t.kind === 'number') return { kind: 'number', text: t.text };
  if (t.kind === 'param') return { kind: 'param', index: t.index };
  if (t.kind === 'ident' && t.value === 'null') return { kind: 'null' };
  return undefined;
}
