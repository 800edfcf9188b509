/**
 * SQL the PostgreSQL fuzzer sends: ML calls with odd arguments (NULLs, empty
 * and huge texts, unknown languages and endpoints, bad batch sizes, bad JSON),
 * plus plain statements that move the session between idle, in-transaction
 * and failed. Nothing here changes anything outside the session.
 */
export const PG_ML_SQL: readonly string[] = [
  `SELECT (aws_comprehend.detect_sentiment('I love it','en')).sentiment`,
  `SELECT * FROM aws_comprehend.detect_sentiment(NULL, 'en')`,
  `SELECT * FROM aws_comprehend.detect_sentiment('', 'en')`,
  `SELECT * FROM aws_comprehend.detect_sentiment('text', NULL)`,
  `SELECT * FROM aws_comprehend.detect_sentiment('text', 'zz')`,
  `SELECT * FROM aws_comprehend.detect_sentiment('text', 'en', 0)`,
  `SELECT * FROM aws_comprehend.detect_sentiment('text', 'en', -1)`,
  `SELECT * FROM aws_comprehend.detect_sentiment('text', 'en', NULL)`,
  `SELECT * FROM aws_comprehend.detect_sentiment(repeat('é', 6000), 'en')`,
  `SELECT * FROM aws_comprehend.detect_sentiment(E'\\x01\\x02 odd', 'en')`,
  `SELECT aws_comprehend.detect_sentiment(t, 'en') FROM (VALUES ('good'), (NULL), ('I hate it')) v(t)`,
  `SELECT aws_comprehend.detect_sentiment(t, 'en', 1) FROM generate_series(1, 30) g, LATERAL (SELECT 'row ' || g) v(t)`,
  `SELECT (aws_comprehend.detect_sentiment('ok', 'en')).*, (aws_comprehend.detect_sentiment('bad', 'en')).sentiment`,
  `SELECT aws_comprehend.detect_dominant_language('bonjour tout le monde')`,
  `SELECT aws_sagemaker.invoke_endpoint('demo-echo', NULL, 'a', 'b')`,
  `SELECT aws_sagemaker.invoke_endpoint('demo-echo', NULL)`,
  `SELECT aws_sagemaker.invoke_endpoint('no-such-endpoint', NULL, '1')`,
  `SELECT aws_sagemaker.invoke_endpoint('demo-score', -5, 'x')`,
  `SELECT aws_sagemaker.invoke_endpoint(NULL, NULL, '1')`,
  `SELECT aws_sagemaker.invoke_endpoint('demo-echo', 2, g::text) FROM generate_series(1, 5) g`,
  `SELECT aws_bedrock.invoke_model('amazon.titan-text-express-v1', 'application/json', 'application/json', '{bad json')`,
  `SELECT aws_bedrock.invoke_model('no.such-model', 'application/json', 'application/json', '{}')`,
  `SELECT aws_comprehend.detect_sentiment('x')`,
  `SELECT aws_comprehend.detect_sentiment()`,
  `SELECT 1; SELECT (aws_comprehend.detect_sentiment('fine', 'en')).sentiment; SELECT 1/0`,
];

export const PG_PLAIN_SQL: readonly string[] = [
  'SELECT 1',
  '',
  ';;',
  'BEGIN',
  'COMMIT',
  'ROLLBACK',
  'SELECT 1/0',
  'SELECT $1::int',
  `SELECT repeat('x', 100000)`,
  'SELECT pg_sleep(0.01)',
  'LISTEN fuzz_channel',
  `NOTIFY fuzz_channel, 'hello'`,
  `SET application_name = 'fuzz'`,
  'SELECT * FROM no_such_table',
  'SELEC broken syntax',
  `DO $$ BEGIN RAISE NOTICE 'fuzz notice'; END $$`,
  'SAVEPOINT s1',
  'SHOW server_version',
];

/** Statements with parameters for the extended protocol, with how many they take. */
export const PG_PARAM_SQL: readonly (readonly [string, number])[] = [
  ['SELECT * FROM aws_comprehend.detect_sentiment($1, $2)', 2],
  ['SELECT (aws_comprehend.detect_sentiment($1, $2, $3::int)).sentiment', 3],
  ['SELECT aws_sagemaker.invoke_endpoint($1, NULL, $2)', 2],
  ['SELECT $1::text', 1],
  ['SELECT $1::int + 1', 1],
];

export const PG_PARAM_VALUES: readonly (string | null)[] = [
  null,
  '',
  'en',
  'zz',
  'I love it',
  'demo-echo',
  'no-such-endpoint',
  '0',
  '-1',
  '99999999999',
  'é'.repeat(300),
  '\u0001\u0002',
  'x'.repeat(70_000),
];
