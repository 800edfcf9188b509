import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { backendFactories } from '../src/backends/factories.ts';
import { endpointBackendOf } from '../src/backends/kinds.ts';
import { createModelSageMakerBackend } from '../src/backends/sagemaker/model/backend.ts';
import { OnnxModel } from '../src/backends/sagemaker/model/onnx.ts';
import type { CallContext, InvokeRequest, SageMakerBackend } from '../src/backends/types.ts';
import { EmulatorError } from '../src/errors.ts';
import { rejection } from './helpers/rejection.ts';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const XGB = path.join(fixtures, 'xgboost-binary.json');
const LOGISTIC = path.join(fixtures, 'logistic-model.json');
const ONNX = path.join(fixtures, 'logistic.onnx');
const scratch = mkdtempSync(path.join(tmpdir(), 'model-backend-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

function ctx(timeoutMs = 5_000): CallContext {
  return { deadline: Date.now() + timeoutMs, signal: new AbortController().signal };
}

function csv(text: string, accept = 'text/csv'): InvokeRequest {
  return { body: Buffer.from(text), contentType: 'text/csv', accept };
}

async function predict(backend: SageMakerBackend, body: string): Promise<number[]> {
  const res = await backend.invokeEndpoint('churn', csv(body), ctx());
  expect(res.contentType).toBe('text/csv');
  return res.body.toString().split('\n').map(Number);
}

/** The fixture with some fields replaced, written to a scratch file. */
function variant(name: string, change: (model: { learner: Record<string, Record<string, unknown>> }) => void): string {
  const model = JSON.parse(readFileSync(XGB, 'utf8'));
  change(model);
  const file = path.join(scratch, name);
  writeFileSync(file, JSON.stringify(model));
  return file;
}

function loadError(file: string): EmulatorError {
  try {
    createModelSageMakerBackend({ path: file });
  } catch (err) {
    expect(err).toBeInstanceOf(EmulatorError);
    return err as EmulatorError;
  }
  throw new Error('expected the model to be refused');
}

// The fixture's trees, walked by hand:
//   tree 0: f0 < 0.5 (missing: left) -> 0.4; else f1 < 2 (missing: right) -> -0.3 / 0.2
//   tree 1: f2 < 10 (missing: right) -> 0.1 / -0.5
// base_score 0.5 is a margin of logit(0.5) = 0.
const ROWS: readonly (readonly [string, number])[] = [
  ['0,5,3', 0.4 + 0.1],
  ['1,1,20', -0.3 - 0.5],
  [',3,', 0.4 - 0.5],
  ['1,,5', 0.2 + 0.1],
  ['0.5,2,10', 0.2 - 0.5],
];

describe('SageMaker model backend: XGBoost JSON', () => {
  it('predicts binary:logistic as the sigmoid of the summed leaves, one line per row', async () => {
    const backend = createModelSageMakerBackend({ path: XGB });
    expect(backend.kind).toBe('model');
    const got = await predict(backend, `${ROWS.map(([row]) => row).join('\n')}\n`);
    expect(got).toHaveLength(ROWS.length);
    expect(got).toEqual(ROWS.map(([, margin]) => expect.closeTo(sigmoid(margin), 6)));
  });

  it('predicts reg:squarederror as base_score plus the leaves', async () => {
    const file = variant('reg.json', (m) => {
      (m.learner.objective as Record<string, unknown>).name = 'reg:squarederror';
      (m.learner.learner_model_param as Record<string, unknown>).base_score = '[1.5E0]';
    });
    const got = await predict(createModelSageMakerBackend({ path: file }), ROWS.map(([row]) => row).join('\n'));
    expect(got).toEqual(ROWS.map(([, margin]) => expect.closeTo(1.5 + margin, 6)));
  });

  it('uses logit(base_score) as the starting margin for binary:logistic', async () => {
    const file = variant('base.json', (m) => {
      (m.learner.learner_model_param as Record<string, unknown>).base_score = '2E-1';
    });
    const [p] = await predict(createModelSageMakerBackend({ path: file }), '0,5,3');
    expect(p).toBeCloseTo(sigmoid(Math.log(0.2 / 0.8) + 0.5), 6);
  });

  it('matches XGBoost itself on a multi:softprob model it saved', async () => {
    // xgboost-softprob-1.7.json: 3 classes, 2 rounds, depth 2, written by XGBoost 1.7.4's save_model;
    // the expected rows are that XGBoost's Booster.predict on the same CSV values.
    const backend = createModelSageMakerBackend({ path: path.join(fixtures, 'xgboost-softprob-1.7.json') });
    const res = await backend.invokeEndpoint(
      'tiers',
      csv('0.001,0.299,-0.274,\n,-0.992,0.06,1.34\n0.105,-0.93,-0.029,0.695'),
      ctx(),
    );
    const got = res.body
      .toString()
      .split('\n')
      .map((line) => line.split(',').map(Number));
    const want = [
      [0.3311321, 0.3405713, 0.3282967],
      [0.7508841, 0.1268438, 0.1222722],
      [0.1246106, 0.7518458, 0.1235436],
    ];
    expect(got).toEqual(want.map((row) => row.map((p) => expect.closeTo(p, 6))));
  });

  it('answers application/json as SageMaker XGBoost does', async () => {
    const backend = createModelSageMakerBackend({ path: XGB });
    const res = await backend.invokeEndpoint('churn', csv('0,5,3\n1,1,20', 'application/json'), ctx());
    expect(res.contentType).toBe('application/json');
    const body = JSON.parse(res.body.toString()) as { predictions: { score: number }[] };
    expect(body.predictions.map((p) => p.score)).toEqual([expect.closeTo(sigmoid(0.5), 6), expect.closeTo(sigmoid(-0.8), 6)]);
  });

  it('refuses a row with the wrong feature count as a ModelError', async () => {
    const backend = createModelSageMakerBackend({ path: XGB });
    const err = await rejection(backend.invokeEndpoint('churn', csv('0,5,3\n1,2'), ctx()));
    expect(err.code).toBe('ServiceFailure');
    expect(err.serviceCode).toBe('ModelError');
    expect(err.message).toContain('Received client error (400) from primary');
    expect(err.message).toContain('row 2 has 2 features; the model expects 3');
  });

  it('refuses a feature that is not a number, and a content type other than CSV', async () => {
    const backend = createModelSageMakerBackend({ path: XGB });
    const bad = await rejection(backend.invokeEndpoint('churn', csv('0,abc,3'), ctx()));
    expect(bad.serviceCode).toBe('ModelError');
    expect(bad.message).toContain('row 1, feature 2: "abc" is not a number');
    const json = { body: Buffer.from('[[0,5,3]]'), contentType: 'application/json', accept: 'text/csv' };
    const type = await rejection(backend.invokeEndpoint('churn', json, ctx()));
    expect(type.message).toContain('Received client error (415)');
  });

  it('gives up at the deadline like every SageMaker backend', async () => {
    const backend = createModelSageMakerBackend({ path: XGB });
    const err = await rejection(
      backend.invokeEndpoint('churn', csv('0,5,3'), { deadline: Date.now() - 1, signal: new AbortController().signal }),
    );
    expect(err.code).toBe('InferenceTimeout');
  });

  it.each([
    ['not JSON', (file: string) => writeFileSync(file, '{"learner": '), 'is not valid JSON'],
    [
      'an unknown objective',
      (file: string) => writeFileSync(file, readFileSync(XGB, 'utf8').replace('binary:logistic', 'rank:pairwise')),
      'objective "rank:pairwise" is not supported',
    ],
    [
      'a child outside the tree',
      (file: string) => writeFileSync(file, readFileSync(XGB, 'utf8').replace('[1, -1, 3, -1, -1]', '[1, -1, 9, -1, -1]')),
      'trees[0]: node 2 has child 9 outside 0..4',
    ],
    [
      'a split on a feature the model does not have',
      (file: string) =>
        writeFileSync(file, readFileSync(XGB, 'utf8').replace('"split_indices": [2, 0, 0]', '"split_indices": [7, 0, 0]')),
      'trees[1]: node 0 splits on feature 7, but the model has 3 features',
    ],
    [
      'arrays of different lengths',
      (file: string) => writeFileSync(file, readFileSync(XGB, 'utf8').replace('[10.0, 0.1, -0.5]', '[10.0, 0.1]')),
      'trees[1].split_conditions has 2 entries; left_children has 3',
    ],
    ['neither format', (file: string) => writeFileSync(file, '{"coef": [1, 2]}'), 'neither an XGBoost JSON model'],
  ])('refuses %s when the backend is created', (name, write, message) => {
    const file = path.join(scratch, `${name.replaceAll(' ', '-')}.json`);
    write(file);
    const err = loadError(file);
    expect(err.code).toBe('InvalidArgument');
    expect(err.message).toContain(message);
  });

  it('refuses a file that does not exist', () => {
    expect(loadError(path.join(scratch, 'missing.json')).message).toContain('cannot be read (ENOENT)');
  });
});

describe('SageMaker model backend: linear and logistic', () => {
  it('computes the logistic of the weighted sum plus the intercept', async () => {
    const got = await predict(createModelSageMakerBackend({ path: LOGISTIC }), '1,2,0.5\n0,0,0');
    expect(got[0]).toBeCloseTo(sigmoid(0.5 - 2 + 1 - 0.25), 10);
    expect(got[1]).toBeCloseTo(sigmoid(-0.25), 10);
  });

  it('computes a linear model without a link function', async () => {
    const file = path.join(scratch, 'linear.json');
    writeFileSync(file, JSON.stringify({ type: 'linear', weights: [2, 3], intercept: 1 }));
    expect(await predict(createModelSageMakerBackend({ path: file }), '1,1\n-1,0.5')).toEqual([6, 0.5]);
  });

  it('refuses a missing value, which a linear model cannot branch around', async () => {
    const err = await rejection(createModelSageMakerBackend({ path: LOGISTIC }).invokeEndpoint('lr', csv('1,,3'), ctx()));
    expect(err.serviceCode).toBe('ModelError');
    expect(err.message).toContain('feature 2 is missing');
  });

  it('refuses weights that are not numbers', () => {
    const file = path.join(scratch, 'bad-linear.json');
    writeFileSync(file, JSON.stringify({ type: 'logistic', weights: [1, 'x'] }));
    expect(loadError(file).message).toContain('"weights" must be a non-empty array of finite numbers');
  });
});

// logistic.onnx (written by make-logistic-onnx.py): Y = sigmoid(X.W + b), X float[N, 3], Y float[N, 1].
const ONNX_W = [0.5, -1, 2];
const ONNX_B = -0.25;
const onnxWant = (row: readonly number[]): number => sigmoid(row.reduce((sum, x, i) => sum + x * (ONNX_W[i] ?? 0), ONNX_B));

/**
 * onnxruntime-node is opt-in (a 288 MB install most users never need): without it these tests are
 * skipped, saying so; CI installs it and sets AURORA_ML_TEST_ONNX=required, so there they always run.
 */
const onnxInstalled = (() => {
  try {
    createRequire(import.meta.url).resolve('onnxruntime-node');
    return true;
  } catch {
    return false;
  }
})();
if (!onnxInstalled && process.env.AURORA_ML_TEST_ONNX === 'required') {
  throw new Error('AURORA_ML_TEST_ONNX=required but onnxruntime-node is not installed');
}
if (!onnxInstalled) {
  console.warn(
    'ONNX model tests skipped: onnxruntime-node is not installed (ONNXRUNTIME_NODE_INSTALL=skip npm install --no-save onnxruntime-node@1.30.0)',
  );
}

describe.skipIf(!onnxInstalled)('SageMaker model backend: ONNX (onnxruntime-node)', () => {
  const rows = [
    [1, 2, 0.5],
    [0, 0, 0],
    [-3.5, 0.25, 1.75],
    [10, -4, 0.125],
  ];

  it('scores every row in one run: sigmoid(x.W + b), one line per row', async () => {
    const backend = createModelSageMakerBackend({ path: ONNX });
    expect(backend.model.description).toBe('onnx');
    const got = await predict(backend, `${rows.map((r) => r.join(',')).join('\n')}\n`);
    expect(got).toEqual(rows.map((r) => expect.closeTo(onnxWant(r), 6)));
    // The session is opened once and kept: a second request reuses it.
    expect(await predict(backend, '1,2,0.5')).toEqual([expect.closeTo(onnxWant([1, 2, 0.5]), 6)]);
  });

  it('is built from a { kind: model, path } endpoint and answers through the SageMakerBackend interface', async () => {
    const backend: SageMakerBackend = endpointBackendOf(
      'risk',
      { kind: 'model', path: ONNX },
      { accountId: '123456789012', region: 'us-east-1', factories: backendFactories() },
    );
    const res = await backend.invokeEndpoint('risk', csv('1,2,0.5\n0,0,0', 'application/json'), ctx());
    expect(res.contentType).toBe('application/json');
    const body = JSON.parse(res.body.toString()) as { predictions: { score: number }[] };
    expect(body.predictions.map((p) => p.score)).toEqual([
      expect.closeTo(onnxWant([1, 2, 0.5]), 6),
      expect.closeTo(onnxWant([0, 0, 0]), 6),
    ]);
    const other = await rejection(backend.invokeEndpoint('churn', csv('1,2,3'), ctx()));
    expect(other.code).toBe('EndpointNotFound');
  });

  it('refuses a row with the wrong feature count as the other model kinds do', async () => {
    const backend = createModelSageMakerBackend({ path: ONNX });
    const err = await rejection(backend.invokeEndpoint('churn', csv('0,5,3\n1,2'), ctx()));
    expect(err.code).toBe('ServiceFailure');
    expect(err.serviceCode).toBe('ModelError');
    expect(err.message).toContain('Received client error (400) from primary');
    expect(err.message).toContain('row 2 has 2 features; the model expects 3');
    const bad = await rejection(backend.invokeEndpoint('churn', csv('0,abc,3'), ctx()));
    expect(bad.message).toContain('row 1, feature 2: "abc" is not a number');
  });

  it('gives up at the deadline and on cancellation like every SageMaker backend', async () => {
    const backend = createModelSageMakerBackend({ path: ONNX });
    const late = await rejection(
      backend.invokeEndpoint('churn', csv('0,5,3'), { deadline: Date.now() - 1, signal: new AbortController().signal }),
    );
    expect(late.code).toBe('InferenceTimeout');
    const controller = new AbortController();
    const pending = backend.invokeEndpoint('churn', csv('0,5,3'), { deadline: Date.now() + 5_000, signal: controller.signal });
    controller.abort();
    expect((await rejection(pending)).code).toBe('QueryCanceled');
  });

  it('refuses a file onnxruntime cannot open on the first request, and a missing file at once', async () => {
    const file = path.join(scratch, 'broken.onnx');
    writeFileSync(file, 'not a protobuf');
    const backend = createModelSageMakerBackend({ path: file });
    const err = await rejection(backend.invokeEndpoint('churn', csv('1,2,3'), ctx()));
    expect(err.code).toBe('InvalidArgument');
    expect(err.message).toContain(`model file ${file}: is not a model onnxruntime can open`);
    expect(loadError(path.join(scratch, 'missing.onnx')).message).toContain('cannot be read (ENOENT)');
  });
});

describe('SageMaker model backend: ONNX without onnxruntime-node', () => {
  it('fails with InvalidArgument, naming the optional dependency, where onnxruntime-node is not installed', async () => {
    const missing = new OnnxModel(ONNX, readFileSync(ONNX), () =>
      Promise.reject(new Error("Cannot find package 'onnxruntime-node' imported from onnx.ts")),
    );
    const err = await rejection(missing.score('1,2,3', new AbortController().signal));
    expect(err.code).toBe('InvalidArgument');
    expect(err.message).toContain('optional dependency onnxruntime-node');
    expect(err.hint).toContain('npm install onnxruntime-node');
  });
});
