/**
 * aws_sagemaker.invoke_endpoint: rows become `text/csv` lines (fields in
 * argument order, NULL as an empty field, 1-D arrays flattened), batched by
 * max_rows_per_batch and SageMaker's 6 MB body limit; the response must have
 * one line per row.
 */
import type { SageMakerBackend } from '../backends/types.ts';
import { EmulatorError } from '../errors.ts';
import type { EvalContext, JsonValue, MlCall, MlResults } from '../ml/calls.ts';
import { callContext } from '../ml/deadline.ts';
import { limits } from '../ml/limits.ts';
import { runBatches } from '../ml/run-batches.ts';
import type { MlStats } from '../ml/stats.ts';
import { checkBatchSize } from './comprehend.ts';

interface Row {
  readonly key: string;
  readonly line: string;
}

function csvField(value: JsonValue): string {
  if (value === null) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV line from the model inputs of one call. */
export function csvLine(inputs: readonly JsonValue[], fn = 'aws_sagemaker.invoke_endpoint'): string {
  const fields: string[] = [];
  for (const input of inputs) {
    if (Array.isArray(input)) {
      if (input.some(Array.isArray)) {
        throw new EmulatorError('InvalidArgument', `${fn}: only one-dimensional arrays can be model inputs`);
      }
      for (const item of input) fields.push(csvField(item));
    } else {
      fields.push(csvField(input));
    }
  }
  return fields.join(',');
}

/** Splits a response body into lines, one per row sent. */
export function responseLines(body: string, rows: number, endpoint: string): string[] {
  const trimmed = body.replace(/\r?\n$/, '');
  // A single row may get a multi-line answer (e.g. pretty-printed JSON): keep it whole.
  if (rows === 1) return [trimmed];
  const lines = trimmed.split(/\r?\n/);
  if (lines.length !== rows) {
    throw new EmulatorError(
      'WrongResponseLineCount',
      `SageMaker endpoint ${endpoint} returned ${lines.length} lines for a batch of ${rows} rows; an endpoint used from Aurora must answer one line per input line`,
      { serviceCode: 'ModelError' },
    );
  }
  return lines;
}

/** Packs rows into requests by row count and body size. */
function batches(rows: readonly Row[], maxRows: number, endpoint: string): Row[][] {
  const out: Row[][] = [];
  let current: Row[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = Buffer.byteLength(row.line, 'utf8') + 1;
    if (size > limits.sagemakerMaxBodyBytes) {
      throw new EmulatorError(
        'PayloadTooLarge',
        `SageMaker ValidationError: the request body for endpoint ${endpoint} is ${size} bytes; the limit is ${limits.sagemakerMaxBodyBytes} bytes`,
        { serviceCode: 'ValidationError' },
      );
    }
    if (current.length > 0 && (current.length >= maxRows || bytes + size > limits.sagemakerMaxBodyBytes)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

export async function evaluateSageMaker(
  calls: readonly MlCall[],
  backend: SageMakerBackend,
  ctx: EvalContext,
  stats: MlStats,
): Promise<MlResults> {
  const results: MlResults = new Map();
  const groups = new Map<string, { endpoint: string; maxRows: number; rows: Row[] }>();
  for (const call of calls) {
    const [endpoint, batchArg, inputs] = call.args;
    if (endpoint === null || endpoint === undefined) {
      results.set(call.key, null);
      continue;
    }
    const maxRows = checkBatchSize(batchArg, call.fn) ?? limits.sagemakerDefaultBatchRows;
    const line = csvLine(Array.isArray(inputs) ? inputs : [inputs ?? null]);
    const groupKey = `${String(endpoint)}\u0000${maxRows}`;
    const group = groups.get(groupKey) ?? { endpoint: String(endpoint), maxRows, rows: [] };
    groups.set(groupKey, group);
    group.rows.push({ key: call.key, line });
  }
  const jobs: (() => Promise<void>)[] = [];
  for (const group of groups.values()) {
    for (const batch of batches(group.rows, group.maxRows, group.endpoint)) {
      jobs.push(async () => {
        const body = Buffer.from(`${batch.map((r) => r.line).join('\n')}\n`, 'utf8');
        stats.actualRequests++;
        if (batch.length === 1) stats.singleRequests++;
        const response = await backend.invokeEndpoint(
          group.endpoint,
          { body, contentType: 'text/csv', accept: 'text/csv' },
          callContext(ctx, limits.sagemakerModelTimeoutMs),
        );
        stats.actualResponses++;
        const lines = responseLines(response.body.toString('utf8'), batch.length, group.endpoint);
        for (const [i, row] of batch.entries()) results.set(row.key, lines[i] ?? null);
      });
    }
  }
  await runBatches(jobs, limits.requestConcurrency, ctx.progress);
  return results;
}
