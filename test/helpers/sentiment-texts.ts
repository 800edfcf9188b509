/**
 * Short English customer messages for the tests that run ML calls over text:
 * positive, negative and neutral ones, plain ASCII (any connection character
 * set sends them whole). Shared so that the tests whose reference databases
 * answer a fixed set of texts (mysql-reference.ts) agree on what they ask.
 */
export const SENTIMENT_TEXTS = [
  'I love it',
  'This is awful and completely broken',
  'The parcel arrived on Tuesday',
  'Thanks, the support team was wonderful',
  'I hate waiting, terrible service',
  'Please reset my password',
] as const;

/**
 * Texts that try how a statement carries them: quotes, non-ASCII and astral
 * characters, the empty text, tabs and newlines. With the languages they are
 * asked in, for the tests of the PostgreSQL front's light path (calls on
 * literals and on bound parameters).
 */
export const AWKWARD_TEXTS = [
  'I love this product!',
  'The delivery was late and the box was crushed.',
  "it's fine, I guess",
  'Crème brûlée über alles 😀',
  '',
  'Great camera, awful battery.',
  'tab\there',
  'line\nbreak',
] as const;
export const AWKWARD_LANGUAGES = ['en', 'es', 'fr'] as const;

/** A string literal of standard SQL (no backslash escapes). */
export const sqlString = (text: string): string => `'${text.replaceAll("'", "''")}'`;
