/**
 * Reading a statement's words, for the classifier and the small command
 * parsers: firstKeywords looks lazily at the leading words only; Cursor walks
 * a whole (terminated) statement token by token.
 *
 * Every command parser returns null for anything it does not recognise,
 * including malformed or unterminated input: the caller then forwards the
 * statement and the server reports the genuine error.
 */
import { PgLexer, tokenize } from './lexer.ts';
import { isKeyword, isNameToken, isUnterminated, type LexOptions, type Token } from './tokens.ts';

/**
 * The first `n` words of a statement, lower-cased, stopping at the first token
 * that is not an unquoted word. Scans lazily: cost is independent of the
 * statement's length. `firstKeywords('Create Extension aws_ml', 2)` is
 * ['create', 'extension'].
 */
export function firstKeywords(text: string, n: number, opts: LexOptions = {}): string[] {
  const lexer = new PgLexer(text, opts);
  const out: string[] = [];
  while (out.length < n) {
    const t = lexer.next();
    if (t?.kind !== 'ident') break;
    out.push(t.value);
  }
  return out;
}

/**
 * The statement's tokens without comments and trailing semicolons (tolerating
 * "SHOW x;"), or null when a literal, identifier or comment is unterminated:
 * the parsers then give up and the server reports the error.
 */
export function completeTokens(text: string, opts: LexOptions): Token[] | null {
  const tokens = tokenize(text, { ...opts, comments: false });
  if (tokens.some(isUnterminated)) return null;
  let n = tokens.length;
  while (n > 0 && tokens[n - 1]?.kind === 'semicolon') n--;
  return tokens.slice(0, n);
}

/** A cursor over one statement's tokens. */
export class Cursor {
  private i = 0;
  private readonly tokens: readonly Token[];

  private constructor(tokens: readonly Token[]) {
    this.tokens = tokens;
  }

  static of(text: string, opts: LexOptions): Cursor | null {
    const tokens = completeTokens(text, opts);
    return tokens === null ? null : new Cursor(tokens);
  }

  peek(k = 0): Token | undefined {
    return this.tokens[this.i + k];
  }

  advance(): Token | undefined {
    return this.tokens[this.i++];
  }

  done(): boolean {
    return this.i >= this.tokens.length;
  }

  /** Consumes the given words in sequence if all are present. */
  keywords(...words: string[]): boolean {
    if (!words.every((w, k) => isKeyword(this.peek(k), w))) return false;
    this.i += words.length;
    return true;
  }

  /** An identifier (quoted or not), as the server sees it. */
  name(): string | undefined {
    const t = this.peek();
    if (!isNameToken(t)) return undefined;
    this.i++;
    return t.value;
  }

  /** name ('.' name)* */
  qualifiedName(): string[] | undefined {
    const first = this.name();
    if (first === undefined) return undefined;
    const parts = [first];
    while (this.peek()?.kind === 'dot' && isNameToken(this.peek(1))) {
      this.i++;
      parts.push(this.name() ?? '');
    }
    return parts;
  }

  /** A NonReservedWord_or_Sconst: identifier or plain string. */
  wordOrString(): string | undefined {
    const t = this.peek();
    if (t?.kind === 'string') {
      this.i++;
      return t.value;
    }
    return this.name();
  }
}
