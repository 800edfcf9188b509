/**
 * ONNX models, run by onnxruntime-node. The runtime is an optional dependency
 * (288 MB, and its install script must be switched off here), so it is
 * imported on first use: without it the emulator runs, and only an endpoint
 * with an .onnx model fails, saying what to install.
 *
 * The request's CSV rows become one tensor [rows, features] (float32, or
 * float64 when the model asks for doubles) for the model's first input; an
 * empty field or NaN stays NaN, which converted tree models read as missing.
 * The first output gives each row's values in order: one line per row.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { EmulatorError } from '../../../errors.ts';
import { parseFeatureRows } from './rows.ts';
import { ModelFileError, ModelRunError, type ModelScorer } from './types.ts';

/**
 * What the emulator uses of onnxruntime-node. Its types come from
 * onnxruntime-common (1 MB, a dependency), which onnxruntime-node re-exports,
 * so the project type-checks and builds without the 288 MB runtime installed.
 */
interface Runtime {
  readonly InferenceSession: typeof InferenceSession;
  readonly Tensor: typeof Tensor;
}

/** Loads the runtime; tests swap it to play an install without the optional package. */
export type RuntimeImport = () => Promise<Runtime>;

/** A name held in a variable: TypeScript does not resolve it, so a missing package is a run-time error only. */
const RUNTIME_PACKAGE = 'onnxruntime-node';
const importRuntime: RuntimeImport = () => import(RUNTIME_PACKAGE) as Promise<Runtime>;

type InputType = 'float32' | 'float64';

/** Output element types that read as numbers (float16 and strings do not). */
const NUMERIC_OUTPUTS: ReadonlySet<Tensor.Type> = new Set<Tensor.Type>([
  'float32',
  'float64',
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'bool',
]);

interface OpenSession {
  readonly runtime: Runtime;
  readonly session: InferenceSession;
  readonly input: string;
  readonly inputType: InputType;
  /** From the input's shape [N, features]; undefined when the shape leaves it open. */
  readonly featureCount: number | undefined;
  readonly output: string;
}

export class OnnxModel implements ModelScorer {
  readonly description = 'onnx';
  private opening: Promise<OpenSession> | undefined;

  constructor(
    private readonly path: string,
    private readonly bytes: Uint8Array,
    private readonly loadRuntime: RuntimeImport = importRuntime,
  ) {}

  async score(csv: string, signal: AbortSignal): Promise<(readonly number[])[]> {
    // One session per model, opened by the first request; a failure stays, as the bytes cannot change.
    this.opening ??= openSession(this.path, this.bytes, this.loadRuntime);
    const model = await this.opening;
    signal.throwIfAborted();
    const rows = parseFeatureRows(csv, model.featureCount);
    const features = rows[0]?.length ?? 0;
    const data =
      model.inputType === 'float64' ? new Float64Array(rows.length * features) : new Float32Array(rows.length * features);
    rows.forEach((row, r) => {
      row.forEach((x, f) => {
        data[r * features + f] = x ?? Number.NaN;
      });
    });
    let results: InferenceSession.OnnxValueMapType;
    try {
      // A run cannot be interrupted once started; the caller's guard stops waiting for it at the deadline.
      results = await model.session.run({
        [model.input]: new model.runtime.Tensor(model.inputType, data, [rows.length, features]),
      });
    } catch (err) {
      throw new ModelRunError(`the ONNX model failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    const output = results[model.output];
    if (!output) throw new ModelRunError(`the ONNX model returned no output ${model.output}`);
    return outputRows(output, model.output, rows.length);
  }
}

async function openSession(path: string, bytes: Uint8Array, loadRuntime: RuntimeImport): Promise<OpenSession> {
  let runtime: Runtime;
  try {
    runtime = await loadRuntime();
  } catch (err) {
    throw new EmulatorError(
      'InvalidArgument',
      `Cannot load the SageMaker model: model file ${path} is an ONNX model, and its runtime, the optional dependency onnxruntime-node, cannot be loaded (${err instanceof Error ? err.message : String(err)})`,
      {
        hint: 'ONNX support is opt-in: ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node (its CPU binaries ship in the package; the skipped step downloads GPU libraries). Or serve an XGBoost or linear JSON model.',
        cause: err,
      },
    );
  }
  let session: InferenceSession;
  try {
    // Severity 3 (errors only): warnings about the graph would otherwise go straight to stderr.
    session = await runtime.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  } catch (err) {
    throw new ModelFileError(path, `is not a model onnxruntime can open: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  const [input] = session.inputMetadata;
  const [output] = session.outputMetadata;
  if (!input || !output) throw new ModelFileError(path, 'has no input or no output');
  if (!input.isTensor || (input.type !== 'float32' && input.type !== 'float64')) {
    const type = input.isTensor ? input.type : 'not a tensor';
    throw new ModelFileError(path, `its first input ${input.name} is ${type}; CSV features can feed a float32 or float64 tensor`);
  }
  const [, width, ...rest] = input.shape;
  const featureCount = input.shape.length === 2 && typeof width === 'number' && width > 0 ? width : undefined;
  if (rest.length > 0 || input.shape.length === 1) {
    throw new ModelFileError(
      path,
      `its first input ${input.name} has shape [${input.shape.join(', ')}]; CSV rows fill [rows, features]`,
    );
  }
  return { runtime, session, input: input.name, inputType: input.type, featureCount, output: output.name };
}

/** Splits the output tensor by its first dimension: each row's values, in order. */
function outputRows(tensor: Tensor, name: string, rows: number): number[][] {
  if (!NUMERIC_OUTPUTS.has(tensor.type)) {
    throw new ModelRunError(`the ONNX model's output ${name} is ${tensor.type}; only numeric outputs can be returned`);
  }
  if (tensor.dims[0] !== rows) {
    throw new ModelRunError(
      `the ONNX model's output ${name} has shape [${tensor.dims.join(', ')}]; its first dimension should be the ${rows} rows`,
    );
  }
  const values = Array.from(tensor.data as ArrayLike<number | bigint | boolean>, Number);
  const width = values.length / rows;
  return Array.from({ length: rows }, (_, r) => values.slice(r * width, (r + 1) * width));
}
