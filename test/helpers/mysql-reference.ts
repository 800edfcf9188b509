/**
 * A database straight on MariaDB whose stored functions carry the names of
 * Aurora MySQL's Comprehend built-ins, the result types of the emulator's
 * stubs, and, for a fixed set of texts, the answers of the emulator's own
 * sentiment model (computed here, one text at a time). The same SQL text then
 * runs straight on MariaDB and through the emulator, and the answers
 * (values, affected rows, column definitions, status flags) can be compared
 * as MariaDB itself gives them.
 */
import type mysql from 'mysql2/promise';
import { analyzeSentiment } from '../../src/backends/comprehend/sentiment.ts';

const literal = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

export const sentimentOf = (text: string) => analyzeSentiment(text, 'en');

export interface ReferenceOptions {
  /** The Comprehend functions take Aurora's optional third argument, max_batch_size (stored functions have one arity). */
  readonly batchArgument?: boolean;
  /**
   * Also the seed's direct aws_sagemaker_invoke_endpoint with this many model
   * inputs, answering 'v:' and the inputs joined by '|': what a SageMaker
   * model that answers `v:<line>` with its commas made '|' gives for inputs
   * without commas or quotes (Aurora keeps the first field of a line).
   */
  readonly sagemakerInputs?: number;
}

/** Creates (afresh) `database` with the reference functions for `texts`; other texts answer NULL. */
export async function createReferenceDatabase(
  admin: mysql.Connection,
  database: string,
  texts: readonly string[],
  options: ReferenceOptions = {},
): Promise<void> {
  await admin.query(`DROP DATABASE IF EXISTS ${database}`);
  await admin.query(`CREATE DATABASE ${database} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
  const cases = (pick: (t: string) => string) => texts.map((t) => `WHEN ${literal(t)} THEN ${pick(t)}`).join(' ');
  const params = `input_text LONGTEXT, language_code VARCHAR(64)${options.batchArgument ? ', max_batch_size INT' : ''}`;
  // The stubs' declarations (src/aurora/mysql/stubs.ts): result types and NOT DETERMINISTIC.
  await admin.query(
    `CREATE FUNCTION ${database}.aws_comprehend_detect_sentiment(${params})
     RETURNS VARCHAR(16) CHARACTER SET ascii NOT DETERMINISTIC
     RETURN CASE input_text ${cases((t) => literal(sentimentOf(t).sentiment))} END`,
  );
  await admin.query(
    `CREATE FUNCTION ${database}.aws_comprehend_detect_sentiment_confidence(${params})
     RETURNS DOUBLE NOT DETERMINISTIC
     RETURN CASE input_text ${cases((t) => {
       const s = sentimentOf(t);
       const key = (s.sentiment.charAt(0) + s.sentiment.slice(1).toLowerCase()) as keyof typeof s.scores;
       return String(s.scores[key]);
     })} END`,
  );
  const inputs = options.sagemakerInputs ?? 0;
  if (inputs > 0) {
    const names = Array.from({ length: inputs }, (_, i) => `input_${i}`);
    await admin.query(
      `CREATE FUNCTION ${database}.aws_sagemaker_invoke_endpoint(endpoint_name VARCHAR(256), ${names.map((n) => `${n} LONGTEXT`).join(', ')})
       RETURNS VARCHAR(4096) CHARACTER SET utf8mb4 NOT DETERMINISTIC RETURN CONCAT('v:', CONCAT_WS('|', ${names.join(', ')}))`,
    );
  }
}
