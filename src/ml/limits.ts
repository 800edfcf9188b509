/** Service limits the emulator enforces (the AWS APIs' own unless marked ours); one place to change them. */
export const limits = {
  comprehendMaxTextBytes: 5000,
  comprehendMaxBatch: 25,
  sagemakerMaxBodyBytes: 6_291_456,
  sagemakerModelTimeoutMs: 60_000,
  bedrockMaxBodyBytes: 25_000_000,
  /** Rows per SageMaker request when max_rows_per_batch is NULL (ours). */
  sagemakerDefaultBatchRows: 1000,
  /** aurora_ml_inference_timeout default (ours: AWS documents none; 60 s is SageMaker's own model limit). */
  defaultInferenceTimeoutMs: 30_000,
  /** Parallel requests per function while evaluating one statement. */
  requestConcurrency: 4,
  comprehendLanguages: ['en', 'es', 'fr', 'de', 'it', 'pt', 'ar', 'hi', 'ja', 'ko', 'zh', 'zh-TW'] as readonly string[],
} as const;
