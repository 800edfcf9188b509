/**
 * The words Aurora MySQL reserves for its ML DDL from version 3.06 on. Used
 * unquoted as an identifier they are a syntax error there, so the emulator
 * refuses them too: a schema that works here must work on Aurora.
 */
import { tokenize } from './lexer.ts';
import { isKeyword, type LexOptions } from './tokens.ts';

export const AURORA_RESERVED_WORDS: ReadonlySet<string> = new Set([
  'accept',
  'aws_bedrock_invoke_model',
  'aws_sagemaker_invoke_endpoint',
  'content_type',
  'timeout_ms',
]);

/** Cheap pre-check for every statement. */
export const RESERVED_WORD_HINT =
  /\b(?:accept|aws_bedrock_invoke_model|aws_sagemaker_invoke_endpoint|content_type|timeout_ms)\b/i;

export interface ReservedWordUse {
  readonly word: string;
  /** Offset of the word in the statement. */
  readonly at: number;
}

/**
 * The first reserved word used as an unquoted identifier, or null. After a
 * dot a reserved word is a plain name (`t.accept`), as MySQL allows; in an
 * ALIAS clause the words are the clause's own keywords; and the seed's direct
 * `aws_sagemaker_invoke_endpoint(...)` call is an extension handled elsewhere.
 */
export function reservedWordUse(sql: string, opts: LexOptions = {}): ReservedWordUse | null {
  if (!RESERVED_WORD_HINT.test(sql)) return null;
  const tokens = tokenize(sql, { ...opts, comments: false });
  const aliasAt = tokens.findIndex((t, i) => isKeyword(t, 'alias') && tokens[i - 1]?.kind !== 'dot');
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t?.kind !== 'ident' || !AURORA_RESERVED_WORDS.has(t.value)) continue;
    if (tokens[i - 1]?.kind === 'dot') continue;
    if (aliasAt >= 0 && i > aliasAt) continue;
    if (t.value === 'aws_sagemaker_invoke_endpoint' && tokens[i + 1]?.kind === 'lparen') continue;
    return { word: sql.slice(t.start, t.end), at: t.start };
  }
  return null;
}
