/**
 * The `sentiment` package's tokenizer (lib/tokenize.js), token for token, in
 * one pass instead of its four regular-expression passes and a split.
 *
 * The package lower-cases, turns newlines and the punctuation below into
 * spaces, collapses runs of two or more whitespace characters into one space,
 * trims, and splits on single spaces. When the only whitespace in the text is
 * the plain space, which is always so for the text the models prepare (they
 * collapse every whitespace run into one space), the result is simply the runs
 * of characters that are neither a space nor that punctuation, or [''] when
 * there are none. Any other whitespace ("a\tb" keeps its tab inside the token,
 * a lone tab survives a split on spaces) is left to the package's own code.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const packageTokenize = require('sentiment/lib/tokenize.js') as (input: string) => string[];

/** The package's punctuation class, [.,\/#!?$%\^&\*;:{}=_`\"~()], plus the space. */
const SEPARATORS = ' .,/#!?$%^&*;:{}=_`"~()';
const TOKEN_CHAR = 0;
const SEPARATOR = 1;
const OTHER_WHITESPACE = 2;
/** What each ASCII character is to the tokenizer. */
const ASCII_KIND = new Uint8Array(128);
for (let i = 0; i < SEPARATORS.length; i++) ASCII_KIND[SEPARATORS.charCodeAt(i)] = SEPARATOR;
for (let code = 0x09; code <= 0x0d; code++) ASCII_KIND[code] = OTHER_WHITESPACE;
/** The regular-expression engine's own \s, for the few characters outside ASCII. */
const WHITESPACE = /\s/;

export function tokenize(input: string): string[] {
  const text = input.toLowerCase();
  const tokens: string[] = [];
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const kind = code < 128 ? ASCII_KIND[code] : WHITESPACE.test(text.charAt(i)) ? OTHER_WHITESPACE : TOKEN_CHAR;
    if (kind === SEPARATOR) {
      if (start >= 0) {
        tokens.push(text.slice(start, i));
        start = -1;
      }
    } else if (kind === OTHER_WHITESPACE) {
      return packageTokenize(input);
    } else if (start < 0) {
      start = i;
    }
  }
  if (start >= 0) tokens.push(start === 0 ? text : text.slice(start));
  if (tokens.length === 0) tokens.push('');
  return tokens;
}
