/**
 * The rules Aurora MySQL documents for an ALIAS function definition, as
 * plain data: the proxy chooses the errno and message wording.
 */
import type { AliasFunction } from './create-function-alias.ts';

export type AliasViolationCode = 'sagemaker_return_type' | 'bedrock_returns_json' | 'sql_data_access' | 'max_batch_size';

export interface AliasViolation {
  readonly code: AliasViolationCode;
  readonly detail: string;
}

/** SageMaker results map to numbers (BIT excluded) or VARCHAR; JSON, BLOB, TEXT, DATE and the like are rejected. */
const SAGEMAKER_RETURN_BASES: ReadonlySet<string> = new Set([
  'tinyint',
  'smallint',
  'mediumint',
  'int',
  'bigint',
  'decimal',
  'float',
  'double',
  'varchar',
]);

export function validateAliasFunction(fn: AliasFunction): AliasViolation[] {
  const out: AliasViolation[] = [];
  if (fn.kind === 'sagemaker' && !SAGEMAKER_RETURN_BASES.has(fn.returns.base)) {
    out.push({
      code: 'sagemaker_return_type',
      detail: `RETURNS ${fn.returns.base.toUpperCase()} is not supported for SageMaker functions`,
    });
  }
  if (fn.kind === 'bedrock' && fn.returns.base === 'json') {
    out.push({ code: 'bedrock_returns_json', detail: 'RETURNS JSON is not supported for Bedrock functions' });
  }
  if (fn.dataAccess !== undefined) {
    const clause = { contains: 'CONTAINS SQL', no: 'NO SQL', reads: 'READS SQL DATA', modifies: 'MODIFIES SQL DATA' }[
      fn.dataAccess
    ];
    out.push({ code: 'sql_data_access', detail: `${clause} is not allowed for an ALIAS function` });
  }
  if (fn.maxBatchSize !== undefined && fn.maxBatchSize <= 0) {
    out.push({ code: 'max_batch_size', detail: `MAX_BATCH_SIZE must be greater than 0 (got ${fn.maxBatchSize})` });
  }
  return out;
}
