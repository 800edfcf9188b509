/**
 * The Aurora ML functions the emulator implements, by canonical
 * 'schema.function' name, and the look-up the call finder does per name.
 */

export const ML_FUNCTIONS = [
  'aws_comprehend.detect_sentiment',
  'aws_comprehend.detect_entities',
  'aws_comprehend.detect_key_phrases',
  'aws_comprehend.detect_dominant_language',
  'aws_sagemaker.invoke_endpoint',
  'aws_bedrock.invoke_model',
  'aws_bedrock.invoke_model_get_embeddings',
] as const;

/** Canonical 'schema.function' name. */
export type MlFunctionName = (typeof ML_FUNCTIONS)[number];

/** schema -> function -> canonical name. */
const BY_SCHEMA: ReadonlyMap<string, ReadonlyMap<string, MlFunctionName>> = (() => {
  const map = new Map<string, Map<string, MlFunctionName>>();
  for (const fn of ML_FUNCTIONS) {
    const [schema = '', name = ''] = fn.split('.');
    const inner = map.get(schema) ?? new Map<string, MlFunctionName>();
    inner.set(name, fn);
    map.set(schema, inner);
  }
  return map;
})();

/** The ML function named by already-folded schema and function names, if any. */
export function mlFunctionNamed(schema: string, name: string): MlFunctionName | undefined {
  return BY_SCHEMA.get(schema)?.get(name);
}
