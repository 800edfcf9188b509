/**
 * The deterministic "model" both sides of the differential test answer with,
 * from one definition: the emulator gets it as a Comprehend `rules` file and
 * a SageMaker `module` endpoint; the direct database gets it as plain SQL
 * functions with Aurora's names and signatures (the twins). Writing both
 * from the same table is what keeps them equal when a rule changes.
 */
import { fileURLToPath } from 'node:url';

export const ENDPOINT = 'diff-model';
export const MODEL_MODULE = fileURLToPath(new URL('../../fixtures/pg-diff-sagemaker-model.mjs', import.meta.url));

type Label = 'POSITIVE' | 'NEGATIVE' | 'NEUTRAL' | 'MIXED';

interface SentimentRule {
  /** A regular expression that means the same to JavaScript and to PostgreSQL (plain alternations only). */
  readonly pattern?: string;
  readonly caseInsensitive?: boolean;
  readonly language?: string;
  readonly sentiment: Label;
  readonly score: number;
}

/** First match wins, as in the rules backend. Scores are chosen so that some are exact in float4 and some are not. */
export const SENTIMENT_RULES: readonly SentimentRule[] = [
  { language: 'es', sentiment: 'MIXED', score: 0.55 },
  { pattern: 'refund|broken|terrible|awful', caseInsensitive: true, sentiment: 'NEGATIVE', score: 0.91 },
  { pattern: ' but ', sentiment: 'MIXED', score: 0.625 },
  { pattern: 'love|great|excellent', caseInsensitive: true, sentiment: 'POSITIVE', score: 0.97 },
];
export const SENTIMENT_DEFAULT = { sentiment: 'NEUTRAL' as Label, score: 0.8 };

/** The emulator's own checks before any backend call (src/ml/limits.ts, src/functions/comprehend.ts). */
const LANGUAGES = ['en', 'es', 'fr', 'de', 'it', 'pt', 'ar', 'hi', 'ja', 'ko', 'zh', 'zh-TW'];
const MAX_TEXT_BYTES = 5000;

const q = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** The rules file for the emulator's Comprehend `rules` backend. */
export function rulesYaml(): string {
  const rule = (r: SentimentRule) => {
    const parts = [`sentiment: ${r.sentiment}`, `score: ${r.score}`];
    if (r.pattern !== undefined)
      parts.unshift(`pattern: ${JSON.stringify(r.pattern)}`, ...(r.caseInsensitive ? ['flags: i'] : []));
    if (r.language !== undefined) parts.unshift(`language: ${r.language}`);
    return `      - { ${parts.join(', ')} }`;
  };
  return [
    'comprehend:',
    '  sentiment:',
    '    rules:',
    ...SENTIMENT_RULES.map(rule),
    `    default: { sentiment: ${SENTIMENT_DEFAULT.sentiment}, score: ${SENTIMENT_DEFAULT.score} }`,
    '',
  ].join('\n');
}

/** The emulator's `backends` option: rules for Comprehend, the module for the one endpoint. */
export function emulatorBackends(rulesFile: string) {
  return {
    comprehend: { kind: 'rules' as const, rulesFile },
    sagemaker: { endpoints: { [ENDPOINT]: { kind: 'module' as const, path: MODEL_MODULE } } },
  };
}

function batchCheck(fn: string): string {
  return `IF max_rows_per_batch IS NOT NULL AND max_rows_per_batch <= 0 THEN
    RAISE EXCEPTION '${fn}: max_rows_per_batch must be a positive integer, got %', max_rows_per_batch USING ERRCODE = '22023';
  END IF;`;
}

/**
 * detect_sentiment as SQL. Same signature, volatility and language as the
 * emulator's stub (PL/pgSQL, VOLATILE, PARALLEL RESTRICTED), so the planner
 * treats both alike and calls them on the same rows in the same order; same
 * checks, in the same order, with the same SQLSTATE and message.
 */
function sentimentTwin(): string {
  const branch = (r: SentimentRule) => {
    const tests: string[] = [];
    if (r.language !== undefined) tests.push(`language_code = ${q(r.language)}`);
    if (r.pattern !== undefined) tests.push(`input_text ${r.caseInsensitive ? '~*' : '~'} ${q(r.pattern)}`);
    const when = tests.length > 0 ? tests.join(' AND ') : 'true';
    return `  IF ${when} THEN sentiment := ${q(r.sentiment)}; confidence := ${q(String(r.score))}::real; RETURN; END IF;`;
  };
  const fn = 'aws_comprehend.detect_sentiment';
  return `CREATE FUNCTION aws_comprehend.detect_sentiment(input_text varchar, language_code varchar, max_rows_per_batch int DEFAULT NULL, OUT sentiment varchar, OUT confidence real)
LANGUAGE plpgsql VOLATILE PARALLEL RESTRICTED AS $twin$
BEGIN
  IF input_text IS NULL OR language_code IS NULL THEN RETURN; END IF;
  ${batchCheck(fn)}
  IF octet_length(input_text) > ${MAX_TEXT_BYTES} THEN
    RAISE EXCEPTION 'Comprehend TextSizeLimitExceededException: Input text size exceeds limit. Max length of request text allowed is ${MAX_TEXT_BYTES} bytes while in this request the text size is % bytes', octet_length(input_text) USING ERRCODE = '54000';
  END IF;
  IF NOT language_code = ANY (ARRAY[${LANGUAGES.map(q).join(', ')}]) THEN
    RAISE EXCEPTION 'Comprehend UnsupportedLanguageException: The language code ''%'' is not supported. Supported languages: ${LANGUAGES.join(', ')}', language_code USING ERRCODE = '22023';
  END IF;
${SENTIMENT_RULES.map(branch).join('\n')}
  sentiment := ${q(SENTIMENT_DEFAULT.sentiment)}; confidence := ${q(String(SENTIMENT_DEFAULT.score))}::real;
END
$twin$;`;
}

/**
 * invoke_endpoint's model, on the CSV line Aurora would send: fields in
 * argument order, NULL as an empty field, quoted when they hold a comma, a
 * quote or a line break (src/functions/sagemaker.ts).
 */
function sagemakerCore(): string {
  const fn = 'aws_sagemaker.invoke_endpoint';
  return `CREATE FUNCTION aws_sagemaker.diff_twin(endpoint_name varchar, max_rows_per_batch int, model_input text[]) RETURNS varchar
LANGUAGE plpgsql VOLATILE PARALLEL RESTRICTED AS $twin$
DECLARE
  line text;
BEGIN
  IF endpoint_name IS NULL THEN RETURN NULL; END IF;
  ${batchCheck(fn)}
  SELECT string_agg(CASE
      WHEN f IS NULL THEN ''
      WHEN strpos(f, ',') > 0 OR strpos(f, '"') > 0 OR strpos(f, chr(10)) > 0 OR strpos(f, chr(13)) > 0
        THEN '"' || replace(f, '"', '""') || '"'
      ELSE f END, ',' ORDER BY i)
    INTO line FROM unnest(model_input) WITH ORDINALITY AS u(f, i);
  RETURN octet_length(line) || ':' || left(md5(line), 12);
END
$twin$;`;
}

/** The argument types the generator passes to invoke_endpoint (see statements.ts); SQL cannot declare VARIADIC "any". */
export const MODEL_INPUT_TYPES = ['int', 'text'] as const;
export const MAX_MODEL_INPUTS = 3;

function combinations(n: number): string[][] {
  if (n === 0) return [[]];
  return combinations(n - 1).flatMap((rest) => MODEL_INPUT_TYPES.map((t) => [t, ...rest]));
}

/** One fixed-arity overload per argument type combination, each handing its arguments as text to the core. */
function sagemakerOverloads(): string[] {
  const out: string[] = [];
  for (let n = 1; n <= MAX_MODEL_INPUTS; n++) {
    for (const types of combinations(n)) {
      const params = types.map((t, i) => `a${i + 1} ${t}`).join(', ');
      const args = types.map((_t, i) => `a${i + 1}::text`).join(', ');
      out.push(`CREATE FUNCTION aws_sagemaker.invoke_endpoint(endpoint_name varchar, max_rows_per_batch int, ${params}, OUT model_output varchar)
LANGUAGE plpgsql VOLATILE PARALLEL RESTRICTED AS $twin$
BEGIN
  model_output := aws_sagemaker.diff_twin(endpoint_name, max_rows_per_batch, ARRAY[${args}]);
END
$twin$;`);
    }
  }
  return out;
}

/** Everything the direct database needs in place of `CREATE EXTENSION aws_ml`. */
export function twinSql(): string {
  return [
    'CREATE SCHEMA aws_comprehend;',
    'CREATE SCHEMA aws_sagemaker;',
    sentimentTwin(),
    sagemakerCore(),
    ...sagemakerOverloads(),
  ].join('\n');
}
