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

/** A model file that cannot be used; raised at load time, before any endpoint call. */
export class ModelFileError extends Error {
  constructor(path: string, reason: string) {
    super(`model file ${path}: ${reason}`);
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
