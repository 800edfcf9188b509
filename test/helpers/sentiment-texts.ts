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
