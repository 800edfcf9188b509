import { EmulatorError } from '../../errors.ts';

/**
 * The languages Comprehend's DetectEntities and DetectKeyPhrases accept (the
 * same twelve as DetectSentiment). Any other code is an
 * UnsupportedLanguageException, even where our local models could answer.
 */
export const COMPREHEND_TEXT_LANGUAGES: ReadonlySet<string> = new Set([
  'en',
  'es',
  'fr',
  'de',
  'it',
  'pt',
  'ar',
  'hi',
  'ja',
  'ko',
  'zh',
  'zh-TW',
]);

/** Throws Comprehend's UnsupportedLanguageException for a code outside the list. */
export function assertSupportedLanguage(languageCode: string, operation: string): void {
  if (COMPREHEND_TEXT_LANGUAGES.has(languageCode)) return;
  throw new EmulatorError(
    'UnsupportedLanguage',
    `${operation} does not support language code '${languageCode}'; use one of ${[...COMPREHEND_TEXT_LANGUAGES].join(', ')}`,
    { serviceCode: 'UnsupportedLanguageException' },
  );
}
