/**
 * The built-in SageMaker backend (kind 'builtin'): runs a demo model in
 * process, speaking the same wire formats as an inference container, and the
 * demo endpoints every emulator answers with no configuration.
 */
import type { CallContext, InvokeRequest, InvokeResponse, SageMakerBackend } from '../types.ts';
import { formatCsvField, parseCsvRecords } from './csv.ts';
import { type BuiltinModel, DemoInputError, demoModels } from './demo-models.ts';
import { invokeWithinLimits, type LimitOptions, modelError } from './limits.ts';

export type { BuiltinModel } from './demo-models.ts';

/** Endpoint names that work out of the box; a configured endpoint of the same name wins. */
export const DEMO_ENDPOINTS: Readonly<Record<string, BuiltinModel>> = {
  'demo-echo': 'echo',
  'demo-score': 'score',
  'demo-fraud': 'fraud',
};

export class BuiltinModelBackend implements SageMakerBackend {
  readonly kind = 'builtin';

  constructor(
    readonly model: BuiltinModel,
    private readonly options: LimitOptions = {},
  ) {}

  invokeEndpoint(endpointName: string, request: InvokeRequest, ctx: CallContext): Promise<InvokeResponse> {
    const where = `the built-in ${this.model} model`;
    return invokeWithinLimits(
      endpointName,
      request,
      ctx,
      where,
      async () => {
        try {
          const rows = decodeRows(request);
          const outputs = rows.map(demoModels[this.model]);
          return encodeOutputs(outputs, request.accept);
        } catch (err) {
          if (err instanceof DemoInputError) throw modelError(endpointName, 400, err.message, where);
          if (err instanceof UnsupportedMediaType) throw modelError(endpointName, 415, err.message, where);
          throw err;
        }
      },
      this.options,
    );
  }
}

class UnsupportedMediaType extends Error {}

/** Rows as field lists: CSV records, or JSON values (objects travel as one JSON text field). */
function decodeRows(request: InvokeRequest): string[][] {
  const type = mediaType(request.contentType);
  const text = request.body.toString('utf8');
  if (type === '' || type === 'text/csv' || type === 'text/plain') return parseCsvRecords(text);
  if (type === 'application/json') {
    const value = parseJson(text);
    return Array.isArray(value) ? value.map(jsonToFields) : [jsonToFields(value)];
  }
  if (type === 'application/jsonlines' || type === 'application/x-ndjson') {
    return text
      .split(/\r?\n/)
      .filter((line) => line.trim() !== '')
      .map((line) => jsonToFields(parseJson(line)));
  }
  throw new UnsupportedMediaType(
    `unsupported content type ${request.contentType}: use text/csv, application/json or application/jsonlines`,
  );
}

function encodeOutputs(outputs: readonly (string | number)[], accept: string): InvokeResponse {
  const type = mediaType(accept);
  if (type === 'application/json') {
    return { body: Buffer.from(JSON.stringify(outputs)), contentType: 'application/json' };
  }
  if (type === 'application/jsonlines' || type === 'application/x-ndjson') {
    return { body: Buffer.from(outputs.map((o) => JSON.stringify(o)).join('\n')), contentType: type };
  }
  if (type === '' || type === 'text/csv' || type === 'text/plain' || type.includes('*')) {
    // One line per row; a field holding a comma or quote is CSV-quoted so it stays one field.
    return { body: Buffer.from(outputs.map((o) => formatCsvField(String(o))).join('\n')), contentType: 'text/csv' };
  }
  throw new UnsupportedMediaType(`unsupported accept type ${accept}: use text/csv, application/json or application/jsonlines`);
}

function jsonToFields(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  if (typeof value === 'string') return [value];
  return [JSON.stringify(value)];
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new DemoInputError(`invalid JSON input: ${text.slice(0, 100)}`);
  }
}

function mediaType(header: string): string {
  return (header.split(';')[0] ?? '').trim().toLowerCase();
}
