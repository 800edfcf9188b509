/**
 * What every model format evaluates to once loaded: a fixed number of
 * features in, a prediction out per row.
 */

/** A feature value, or undefined when the CSV field was empty (missing). */
export type FeatureRow = readonly (number | undefined)[];

export interface LoadedModel {
  /** The format and objective, for messages and logs (e.g. "xgboost binary:logistic"). */
  readonly description: string;
  readonly featureCount: number;
  /**
   * The row's prediction: one value, or one per class for multi-class
   * probabilities. Rows are checked for their length before this is called.
   */
  predict(row: FeatureRow): readonly number[];
}

/**
 * A model as the backend serves it: the CSV body of one request in, one
 * prediction per row out. Row-by-row models (XGBoost, linear) are wrapped as
 * one; an ONNX model scores the whole request in one run.
 */
export interface ModelScorer {
  readonly description: string;
  /** Rejects with ModelInputError (the request's fault), ModelRunError or ModelFileError. */
  score(csv: string, signal: AbortSignal): Promise<(readonly number[])[]>;
}

/**
 * A model file that cannot be used; raised at load time, before any endpoint
 * call (for an ONNX model, when its session is first opened).
 */
export class ModelFileError extends Error {
  constructor(path: string, reason: string, options?: ErrorOptions) {
    super(`model file ${path}: ${reason}`, options);
    this.name = 'ModelFileError';
  }
}

/** A row the model cannot score (wrong feature count, a value that is not a number...). */
export class ModelInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelInputError';
  }
}

/** The model itself failed on a request it accepted (an ONNX run error, an output it cannot be read from). */
export class ModelRunError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ModelRunError';
  }
}
