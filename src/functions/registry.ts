/**
 * Every Aurora ML function the emulator knows, in one place: which family
 * evaluates it, what the control plane checks before a call (the IAM feature
 * a role is associated for, the actions its policies must allow, the
 * argument naming the resource), whether real Aurora has it or it is an
 * emulator extension, and how each dialect spells and stubs it. The call
 * finders, the stubs of both fronts, the gate and the evaluator read it, so
 * a new function is one entry here plus its evaluation in the family's file.
 */

/** Canonical Aurora function names (PostgreSQL spelling; MySQL's built-ins map onto them). */
export const ML_FUNCTIONS = [
  'aws_comprehend.detect_sentiment',
  'aws_comprehend.detect_dominant_language',
  'aws_comprehend.detect_entities',
  'aws_comprehend.detect_key_phrases',
  'aws_comprehend.detect_pii_entities',
  'aws_sagemaker.invoke_endpoint',
  'aws_bedrock.invoke_model',
  'aws_bedrock.invoke_model_get_embeddings',
] as const;

export type MlFunction = (typeof ML_FUNCTIONS)[number];

/** Which file of src/functions evaluates a function, and which backend answers it. */
export type Family = 'comprehend' | 'sagemaker' | 'bedrock';

/** The control plane's name for a service (RDS feature names). */
export type Feature = 'Comprehend' | 'SageMaker' | 'Bedrock';

/** The PostgreSQL stub of a function (aws_ml; see src/aurora/pg/stubs.ts for the body around these fragments). */
export interface PostgresStub {
  /** The documented signature, as CREATE FUNCTION takes it. */
  readonly signature: string;
  /** SQL expression building the JSON array of arguments that keys the cache. */
  readonly argsJson: string;
  /** Statements that assign the OUT parameters from the cached text `v`. */
  readonly decode: string;
  /**
   * Each OUT parameter as an SQL expression of the cached text `v`, for the
   * answer functions (src/aurora/pg/answer-functions.ts); set-returning functions have none.
   */
  readonly fields?: Readonly<Record<string, string>>;
  /** Statements that assign placeholders while discovering. */
  readonly placeholder: string;
  /**
   * The argument naming the call's target (endpoint, model): a miss answers
   * with the statement's latest real answer for that target when there is
   * one, so an expression that fails on a made-up value (1 / 0) does not
   * stop discovery at every row.
   */
  readonly target?: string;
  readonly setReturning?: boolean;
  /** Only in this aws_ml version and later (the emulated engine version decides: src/control/engine-versions.ts). */
  readonly since?: '2.0';
}

/** A MySQL built-in standing for the function (src/aurora/mysql/stubs.ts writes its stored-function stubs). */
export interface MysqlBuiltin {
  readonly name: string;
  /**
   * The argument counts Aurora MySQL accepts: (input_text) for one,
   * (input_text, language_code) for two, and max_batch_size third for three.
   */
  readonly argCounts: readonly number[];
  /** Variadic: at least this many arguments (the stubs file writes its stub by hand). */
  readonly atLeast?: number;
  /** An emulator extension: a warning, refused in strict mode. */
  readonly seed?: boolean;
  /** The stored function's result, for the built-ins whose stub is written from this entry. */
  readonly stub?: MysqlStubResult;
}

/** What a MySQL stub returns, from the cached text `v` (see the family's evaluation for what it holds). */
export interface MysqlStubResult {
  /** The RETURNS type; for a label, without its character set. */
  readonly returns: string;
  readonly result: string;
  /** What a miss returns while discovering. */
  readonly placeholder: string;
  /**
   * A label compared with literals: ascii on Unicode connections, since ascii
   * compares with any connection collation, and a utf8mb4 twin (suffix `_u`)
   * for the others (latin1...), where utf8mb4 wins the comparison and ascii would not.
   */
  readonly label?: boolean;
}

/** Comprehend's JSON, as the MySQL seed functions return it. */
const COMPREHEND_JSON: MysqlStubResult = { returns: 'LONGTEXT CHARACTER SET utf8mb4', result: 'v', placeholder: `'[]'` };

export interface FunctionSpec {
  readonly family: Family;
  readonly feature: Feature;
  /** The IAM actions a call needs (Aurora batches Comprehend calls: both forms). */
  readonly actions: readonly string[];
  /** The argument naming the IAM resource (endpoint, model), or null when the action has none ('*'). */
  readonly resourceArg: number | null;
  /** An aurora-ml-emulator extension real Aurora PostgreSQL rejects: a NOTICE, refused in strict mode. */
  readonly seed: boolean;
  readonly postgres: PostgresStub;
  readonly mysql: readonly MysqlBuiltin[];
}

/** Comprehend's three-argument text functions share their shape. */
const textFunction = (name: string) =>
  `aws_comprehend.${name}(input_text varchar, language_code varchar, max_rows_per_batch int DEFAULT NULL`;
const TEXT_ARGS = 'json_build_array(input_text, language_code, max_rows_per_batch)';

export const FUNCTIONS: Readonly<Record<MlFunction, FunctionSpec>> = {
  'aws_comprehend.detect_sentiment': {
    family: 'comprehend',
    feature: 'Comprehend',
    actions: ['comprehend:DetectSentiment', 'comprehend:BatchDetectSentiment'],
    resourceArg: null,
    seed: false,
    postgres: {
      signature: `${textFunction('detect_sentiment')}, OUT sentiment varchar, OUT confidence real)`,
      argsJson: TEXT_ARGS,
      decode: `sentiment := split_part(v, E'\\t', 1); confidence := split_part(v, E'\\t', 2)::real;`,
      fields: { sentiment: `split_part(v, E'\\t', 1)::varchar`, confidence: `split_part(v, E'\\t', 2)::real` },
      placeholder: `sentiment := 'NEUTRAL'; confidence := 0;`,
    },
    mysql: [
      {
        name: 'aws_comprehend_detect_sentiment',
        argCounts: [2, 3],
        stub: { returns: 'VARCHAR(16)', result: `SUBSTRING_INDEX(v, '\\t', 1)`, placeholder: `'NEUTRAL'`, label: true },
      },
      {
        name: 'aws_comprehend_detect_sentiment_confidence',
        argCounts: [2, 3],
        stub: { returns: 'DOUBLE', result: `CAST(SUBSTRING_INDEX(v, '\\t', -1) AS DOUBLE)`, placeholder: '0' },
      },
    ],
  },
  'aws_sagemaker.invoke_endpoint': {
    family: 'sagemaker',
    feature: 'SageMaker',
    actions: ['sagemaker:InvokeEndpoint'],
    resourceArg: 0,
    seed: false,
    postgres: {
      // The real third parameter is VARIADIC "any", which PL/pgSQL cannot
      // declare; the proxy rewrites every call to pass json_build_array(...).
      signature:
        'aws_sagemaker.invoke_endpoint(endpoint_name varchar, max_rows_per_batch int, model_input json, OUT model_output varchar)',
      argsJson: 'json_build_array(endpoint_name, max_rows_per_batch, model_input)',
      decode: 'model_output := v;',
      fields: { model_output: 'v::varchar' },
      placeholder: `model_output := '0';`,
      target: 'endpoint_name',
    },
    // The direct call is a seed extension; Aurora MySQL calls endpoints through ALIAS functions.
    mysql: [{ name: 'aws_sagemaker_invoke_endpoint', argCounts: [], atLeast: 2, seed: true }],
  },
  'aws_bedrock.invoke_model': {
    family: 'bedrock',
    feature: 'Bedrock',
    actions: ['bedrock:InvokeModel'],
    resourceArg: 0,
    seed: false,
    postgres: {
      signature:
        'aws_bedrock.invoke_model(model_id varchar, content_type text, accept_type text, model_input text, OUT model_output varchar)',
      argsJson: 'json_build_array(model_id, content_type, accept_type, model_input)',
      decode: 'model_output := v;',
      fields: { model_output: 'v::varchar' },
      placeholder: `model_output := '{}';`,
      target: 'model_id',
      since: '2.0',
    },
    mysql: [],
  },
  'aws_bedrock.invoke_model_get_embeddings': {
    family: 'bedrock',
    feature: 'Bedrock',
    actions: ['bedrock:InvokeModel'],
    resourceArg: 0,
    seed: false,
    postgres: {
      signature:
        'aws_bedrock.invoke_model_get_embeddings(model_id varchar, content_type text, json_key text, model_input text, OUT model_output float8[])',
      argsJson: 'json_build_array(model_id, content_type, json_key, model_input)',
      decode: 'model_output := v::float8[];',
      fields: { model_output: 'v::float8[]' },
      placeholder: `model_output := '{}'::float8[];`,
      target: 'model_id',
      since: '2.0',
    },
    mysql: [],
  },
  'aws_comprehend.detect_dominant_language': {
    family: 'comprehend',
    feature: 'Comprehend',
    actions: ['comprehend:DetectDominantLanguage', 'comprehend:BatchDetectDominantLanguage'],
    resourceArg: null,
    seed: true,
    postgres: {
      signature:
        'aws_comprehend.detect_dominant_language(input_text varchar, max_rows_per_batch int DEFAULT NULL) RETURNS TABLE (language_code varchar, score real)',
      argsJson: 'json_build_array(input_text, max_rows_per_batch)',
      decode: `RETURN QUERY SELECT x.l::varchar, x.s::real FROM json_to_recordset(v::json) AS x(l text, s float8);`,
      placeholder: '',
      setReturning: true,
    },
    mysql: [
      {
        name: 'aws_comprehend_detect_dominant_language',
        argCounts: [1],
        seed: true,
        stub: { returns: 'VARCHAR(16)', result: 'v', placeholder: `'en'`, label: true },
      },
    ],
  },
  'aws_comprehend.detect_entities': {
    family: 'comprehend',
    feature: 'Comprehend',
    actions: ['comprehend:DetectEntities', 'comprehend:BatchDetectEntities'],
    resourceArg: null,
    seed: true,
    postgres: {
      signature: `${textFunction('detect_entities')}) RETURNS TABLE (type varchar, text varchar, score real, begin_offset int, end_offset int)`,
      argsJson: TEXT_ARGS,
      decode: `RETURN QUERY SELECT x.t::varchar, x.x::varchar, x.s::real, x.b, x.e FROM json_to_recordset(v::json) AS x(t text, x text, s float8, b int, e int);`,
      placeholder: '',
      setReturning: true,
    },
    mysql: [{ name: 'aws_comprehend_detect_entities', argCounts: [2], seed: true, stub: COMPREHEND_JSON }],
  },
  'aws_comprehend.detect_key_phrases': {
    family: 'comprehend',
    feature: 'Comprehend',
    actions: ['comprehend:DetectKeyPhrases', 'comprehend:BatchDetectKeyPhrases'],
    resourceArg: null,
    seed: true,
    postgres: {
      signature: `${textFunction('detect_key_phrases')}) RETURNS TABLE (text varchar, score real, begin_offset int, end_offset int)`,
      argsJson: TEXT_ARGS,
      decode: `RETURN QUERY SELECT x.x::varchar, x.s::real, x.b, x.e FROM json_to_recordset(v::json) AS x(x text, s float8, b int, e int);`,
      placeholder: '',
      setReturning: true,
    },
    mysql: [{ name: 'aws_comprehend_detect_key_phrases', argCounts: [2], seed: true, stub: COMPREHEND_JSON }],
  },
  'aws_comprehend.detect_pii_entities': {
    family: 'comprehend',
    feature: 'Comprehend',
    // Comprehend has no BatchDetectPiiEntities: one request per document.
    actions: ['comprehend:DetectPiiEntities'],
    resourceArg: null,
    seed: true,
    postgres: {
      signature: `${textFunction('detect_pii_entities')}) RETURNS TABLE (type varchar, score real, begin_offset int, end_offset int)`,
      argsJson: TEXT_ARGS,
      // The cached text is Comprehend's own JSON (src/functions/comprehend.ts), for both dialects.
      decode: `RETURN QUERY SELECT x."Type"::varchar, x."Score"::real, x."BeginOffset", x."EndOffset" FROM json_to_recordset(v::json) AS x("Type" text, "Score" float8, "BeginOffset" int, "EndOffset" int);`,
      placeholder: '',
      setReturning: true,
    },
    mysql: [{ name: 'aws_comprehend_detect_pii_entities', argCounts: [2], seed: true, stub: COMPREHEND_JSON }],
  },
};

/** The IAM resource a call names: its endpoint or model, or '*'. */
export function resourceOf(fn: MlFunction, args: readonly unknown[]): string {
  const arg = FUNCTIONS[fn].resourceArg;
  return arg === null ? '*' : String(args[arg] ?? '');
}

/** Every MySQL built-in, with the canonical function it stands for. */
export const MYSQL_BUILTINS: ReadonlyArray<MysqlBuiltin & { readonly fn: MlFunction }> = ML_FUNCTIONS.flatMap((fn) =>
  FUNCTIONS[fn].mysql.map((b) => ({ ...b, fn })),
);
