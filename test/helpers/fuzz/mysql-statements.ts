/**
 * SQL the MySQL fuzzer sends: the Aurora MySQL ML built-ins with odd
 * arguments, and plain statements that change only the session.
 */
export const MYSQL_ML_SQL: readonly string[] = [
  `SELECT aws_comprehend_detect_sentiment('I love it','en')`,
  `SELECT aws_comprehend_detect_sentiment(NULL, 'en')`,
  `SELECT aws_comprehend_detect_sentiment('', 'en')`,
  `SELECT aws_comprehend_detect_sentiment('text', NULL)`,
  `SELECT aws_comprehend_detect_sentiment('text', 'zz')`,
  `SELECT aws_comprehend_detect_sentiment('text', 'en', 0)`,
  `SELECT aws_comprehend_detect_sentiment('text', 'en', -1)`,
  `SELECT aws_comprehend_detect_sentiment(REPEAT('é', 6000), 'en')`,
  `SELECT aws_comprehend_detect_sentiment('x')`,
  `SELECT aws_comprehend_detect_sentiment()`,
  `SELECT aws_comprehend_detect_sentiment_confidence('fine', 'en')`,
  `SELECT aws_comprehend_detect_sentiment(t, 'en') FROM (SELECT 'good' t UNION ALL SELECT NULL UNION ALL SELECT 'I hate it') v`,
  `SELECT aws_comprehend_detect_dominant_language('bonjour tout le monde')`,
  `SELECT aws_sagemaker_invoke_endpoint('demo-echo', 'a', 2)`,
  `SELECT aws_sagemaker_invoke_endpoint('no-such-endpoint', 1)`,
  `SELECT aws_sagemaker_invoke_endpoint(NULL)`,
  `SELECT aws_comprehend_detect_sentiment('a', 'en') = 'POSITIVE', 1 / 0`,
  `SELECT 1; SELECT aws_comprehend_detect_sentiment('fine', 'en')`,
];

export const MYSQL_PLAIN_SQL: readonly string[] = [
  'SELECT 1',
  '',
  'BEGIN',
  'COMMIT',
  'ROLLBACK',
  'SELECT * FROM no_such_table',
  'SELEC broken syntax',
  `SELECT REPEAT('x', 100000)`,
  'SELECT SLEEP(0.01)',
  'SET @fuzz = 1',
  'SHOW WARNINGS',
  'SELECT @@aurora_ml_inference_timeout',
  `SHOW GLOBAL STATUS LIKE 'Aurora_ml%'`,
  'SELECT ?',
];

/** Prepared-statement texts (with ? placeholders) for COM_STMT_PREPARE. */
export const MYSQL_PREPARE_SQL: readonly string[] = [
  'SELECT aws_comprehend_detect_sentiment(?, ?)',
  'SELECT aws_comprehend_detect_sentiment(?, ?, ?)',
  'SELECT aws_sagemaker_invoke_endpoint(?, ?)',
  'SELECT ? + 1',
  'SELECT 1',
];
