/**
 * The deterministic "models" both sides of the differential share. Through
 * the emulator they are a Comprehend `rules` backend and a SageMaker `module`
 * backend (./score-model.ts); straight on MariaDB they are plain stored
 * functions with the built-ins' names and the stubs' declared result types,
 * which MariaDB resolves for unqualified calls in the current database.
 */
import { writeFile } from 'node:fs/promises';

/** First match wins, as in the rules backend; patterns are matched without regard to case on both sides. */
const SENTIMENT_RULES = [
  { pattern: 'refund|broken|awful', sentiment: 'NEGATIVE', score: 0.875 },
  { pattern: 'but', sentiment: 'MIXED', score: 0.625 },
  { pattern: 'love|great|perfect', sentiment: 'POSITIVE', score: 0.9375 },
] as const;
const SPANISH = { sentiment: 'MIXED', score: 0.5 } as const;
const FALLBACK = { sentiment: 'NEUTRAL', score: 0.75 } as const;

/** Languages the workload writes; anything else must fail as Comprehend's UnsupportedLanguageException. */
export const LANGUAGES = ['en', 'es'] as const;
export const UNSUPPORTED_LANGUAGE = 'xx';

export const SCORE_ENDPOINT = 'diff-score';
export const SCORE_FUNCTION = 'diff_score';
const SCORE_SIGNATURE = `${SCORE_FUNCTION}(a INT, b VARCHAR(64)) RETURNS DOUBLE`;

/** The Comprehend rules file (JSON is YAML too). */
export async function writeRulesFile(path: string): Promise<void> {
  const rules = [
    { language: 'es', ...SPANISH },
    ...SENTIMENT_RULES.map((r) => ({ pattern: r.pattern, flags: 'i', sentiment: r.sentiment, score: r.score })),
  ];
  await writeFile(path, JSON.stringify({ comprehend: { sentiment: { rules, default: FALLBACK } } }, null, 2));
}

/** Through the emulator: the ALIAS function, as Aurora MySQL users write it. */
export const ALIAS_DDL = `CREATE FUNCTION ${SCORE_SIGNATURE} ALIAS AWS_SAGEMAKER_INVOKE_ENDPOINT ENDPOINT NAME '${SCORE_ENDPOINT}'`;

const quote = (s: string) => `'${s}'`;

/** Straight on MariaDB: the same answers as stored functions. */
export function directFunctions(): string[] {
  const label = (pick: 'sentiment' | 'score') =>
    [
      `IF language_code = 'es' THEN RETURN ${pick === 'sentiment' ? quote(SPANISH.sentiment) : SPANISH.score}; END IF;`,
      ...SENTIMENT_RULES.map(
        (r) =>
          `IF input_text REGEXP ${quote(r.pattern)} THEN RETURN ${pick === 'sentiment' ? quote(r.sentiment) : r.score}; END IF;`,
      ),
      `RETURN ${pick === 'sentiment' ? quote(FALLBACK.sentiment) : FALLBACK.score};`,
    ].join('\n  ');
  const guard = `IF input_text IS NULL OR language_code IS NULL THEN RETURN NULL; END IF;
  IF language_code NOT IN (${LANGUAGES.map(quote).join(', ')}) THEN
    SIGNAL SQLSTATE 'HY000' SET MYSQL_ERRNO = 1815, MESSAGE_TEXT = 'Comprehend UnsupportedLanguageException';
  END IF;`;
  // The emulator's stubs declare these result types (src/aurora/mysql/stubs.ts); a COLLATE keeps the
  // pattern match case-insensitive whatever the database's default collation is. NOT DETERMINISTIC,
  // as a call to an external service is (and as the ALIAS DDL the workload runs declares `score`):
  // a DETERMINISTIC twin would let MariaDB plan ORDER BY over it differently from the real function.
  return [
    `CREATE FUNCTION aws_comprehend_detect_sentiment(input_text LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci,
       language_code VARCHAR(64)) RETURNS VARCHAR(16) CHARACTER SET ascii NOT DETERMINISTIC
     BEGIN
       ${guard}
       ${label('sentiment')}
     END`,
    `CREATE FUNCTION aws_comprehend_detect_sentiment_confidence(input_text LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci,
       language_code VARCHAR(64)) RETURNS DOUBLE NOT DETERMINISTIC
     BEGIN
       ${guard}
       ${label('score')}
     END`,
    `CREATE FUNCTION ${SCORE_SIGNATURE} NOT DETERMINISTIC
       RETURN ((COALESCE(a, 0) * 7 + CHAR_LENGTH(COALESCE(b, ''))) MOD 64) / 4`,
  ];
}
