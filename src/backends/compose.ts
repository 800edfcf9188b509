/**
 * Builds the three backends the evaluator uses from one config: which kind
 * serves each service (and each SageMaker endpoint), wrapped in the standard
 * middleware (record/replay, latency, capacity, faults, retry) whose
 * settings stay changeable at run time through `controls`.
 *
 * Kinds built elsewhere (Comprehend `aws`, SageMaker `aws` and `model`,
 * Bedrock `aws` and `openai`) come in through `deps.factories`; asking for
 * one without its factory is a config error.
 *
 * YAML (the `backends` key of the config file):
 *
 *   backends:
 *     preset: realistic            # none (default) | realistic: latency per service, see middleware/presets.ts
 *     seed: 42                     # latency samples and fault draws repeat exactly
 *     retry: { maxRetries: 2, baseDelayMs: 20 }   # or false
 *     record: { mode: replay, cassette: test/cassettes/ml.jsonl, fallthrough: false }
 *     comprehend:
 *       kind: rules                # builtin (default) | rules | aws
 *       rulesFile: ml-rules.yaml   # rules: the file's `comprehend:` section; unscripted documents go to builtin
 *       latency: { kind: lognormal, p50Ms: 20, p99Ms: 45, perItemMs: 1 }
 *       capacity: { maxConcurrent: 10, onExcess: throttle }
 *       targets: { BatchDetectEntities: { latency: { kind: fixed, ms: 80 } } }
 *     sagemaker:
 *       demoEndpoints: true
 *       endpoints:
 *         churn: { kind: container, url: "http://127.0.0.1:8080", latency: { kind: uniform, minMs: 20, maxMs: 100 } }
 *         scripted: { kind: rules, file: ml-rules.yaml, faults: { queue: [ok, ThrottlingException] } }
 *         local: { kind: module, path: ./model.mjs }
 *       default: { kind: rules, file: ml-rules.yaml }   # serves endpoints not declared above
 *       faults: { rates: { ThrottlingException: 0.05 } }
 *     bedrock:
 *       kind: builtin              # builtin (default) | rules | aws | openai: serves models without a route below
 *       models:                    # per model id, or id prefix ending in *: exact id first, then the longest prefix
 *         "amazon.titan-text*": { kind: rules, rulesFile: ml-rules.yaml }
 *         anthropic.claude-3-haiku-20240307-v1:0: { kind: openai, baseUrl: "http://127.0.0.1:11434/v1", model: llama3 }
 *       targets: { anthropic.claude-3-haiku-20240307-v1:0: { capacity: { maxConcurrent: 2 } } }
 *
 * Every backend sits in a replaceable holder behind the middleware, so
 * `selection` (PUT /_aurora-ml/backends/..., emulator.backends) can change
 * kinds while running; see selection.ts.
 */
import type { Logger } from 'pino';
import type { MlStats } from '../ml/stats.ts';
import { BedrockRouter } from './bedrock/router.ts';
import {
  type BackendFactories,
  type BedrockSpec,
  bedrockBackendOf,
  type ComprehendSpec,
  comprehendBackendOf,
  configError,
  endpointBackendOf,
  type KindDeps,
  type SageMakerEndpointSpec,
  TUNING_KEYS,
  without,
} from './kinds.ts';
import { BackendControls, type ControlsPatch, checkControlsPatch, type ServiceTuning } from './middleware/controls.ts';
import type { PresetName } from './middleware/presets.ts';
import { seededRandom } from './middleware/random.ts';
import type { RecordOptions } from './middleware/record-replay.ts';
import type { RetryOptions } from './middleware/retry.ts';
import { retryLayer } from './middleware/retry.ts';
import { type Layer, standardLayers } from './middleware/standard.ts';
import { type Tuning, TuningError } from './middleware/tuning.ts';
import { stack, wrapBedrock, wrapComprehend, wrapSageMaker } from './middleware/wrap.ts';
import { DEMO_ENDPOINTS } from './sagemaker/demo-endpoints.ts';
import { EndpointDispatch } from './sagemaker/endpoints.ts';
import type { EndpointConfig } from './sagemaker/router.ts';
import { BackendSelection, type SelectionSnapshot } from './selection.ts';
import { Switchable, switchableComprehend } from './switchable.ts';
import type { Backends, BedrockBackend, ComprehendBackend } from './types.ts';

export type { BackendFactories, KindOptions, SageMakerEndpointSpec } from './kinds.ts';

export interface ComposeConfig {
  readonly preset?: PresetName;
  readonly seed?: number;
  readonly retry?: Omit<RetryOptions, 'stats'> | false;
  readonly record?: RecordOptions;
  readonly comprehend?: ServiceTuning & ComprehendSpec;
  readonly sagemaker?: ServiceTuning & {
    /** Endpoint name -> how it is served, with its own latency, capacity and faults. */
    readonly endpoints?: Readonly<Record<string, SageMakerEndpointSpec>>;
    /** How endpoints not declared are served (default: SageMaker's "endpoint not found"). */
    readonly default?: SageMakerEndpointSpec;
    /** demo-echo, demo-score, demo-fraud (default true). */
    readonly demoEndpoints?: boolean;
  };
  readonly bedrock?: ServiceTuning &
    BedrockSpec & {
      /** Model id, or id prefix ending in *, -> its own backend; the service's kind serves the rest. */
      readonly models?: Readonly<Record<string, BedrockSpec>>;
    };
}

export interface ComposeDeps {
  readonly stats: MlStats;
  readonly accountId: string;
  readonly region: string;
  /** Relative module and rules paths resolve against this (default: the working directory). */
  readonly baseDir?: string;
  /** Endpoints from the older `sagemaker.endpoints` config key; `backends.sagemaker.endpoints` wins on a clash. */
  readonly sagemakerEndpoints?: Readonly<Record<string, EndpointConfig>>;
  readonly factories?: BackendFactories;
  /** Where a replaced backend's failure to close is reported. */
  readonly logger?: Logger;
}

export interface ComposedBackends {
  /** For SQL calls: with Aurora's retries. */
  readonly backends: Backends;
  /** For the AWS-compatible service APIs: the same backends, limits and faults, without server-side retries. */
  readonly apiBackends: Backends;
  readonly controls: BackendControls;
  /** Which backend serves what, changeable while running. */
  readonly selection: BackendSelection;
  close(): Promise<void>;
}

/** The initial controls: the preset, then each service's settings, with endpoint specs' own settings as targets. */
function initialControls(config: ComposeConfig): ControlsPatch {
  const tuning = (s: ServiceTuning | undefined, extraTargets: Record<string, Tuning> = {}) => {
    const picked = Object.fromEntries(Object.entries(s ?? {}).filter(([k]) => TUNING_KEYS.includes(k as never)));
    const targets = { ...(s?.targets ?? {}), ...extraTargets };
    return Object.keys(targets).length > 0 ? { ...picked, targets } : picked;
  };
  const endpointTargets: Record<string, Tuning> = {};
  for (const [name, spec] of Object.entries(config.sagemaker?.endpoints ?? {})) {
    const own = Object.fromEntries(Object.entries(spec).filter(([k]) => k === 'latency' || k === 'capacity' || k === 'faults'));
    if (Object.keys(own).length > 0) endpointTargets[name] = own;
  }
  return {
    ...(config.preset === undefined ? {} : { preset: config.preset }),
    comprehend: tuning(config.comprehend),
    sagemaker: tuning(config.sagemaker, endpointTargets),
    bedrock: tuning(config.bedrock),
  };
}

function checkRecord(record: unknown): void {
  if (record === undefined) return;
  const r = record as Partial<RecordOptions>;
  if (r.mode !== 'off' && r.mode !== 'record' && r.mode !== 'replay') throw configError('record.mode: use off, record or replay');
  if (r.mode !== 'off' && typeof r.cassette !== 'string')
    throw configError('record.cassette: the path of the cassette file is required');
}

/** The specs the backends start from: the config's, with the demo endpoints and older endpoint config filled in. */
function initialSpecs(config: ComposeConfig, deps: ComposeDeps): SelectionSnapshot {
  const demos: Record<string, SageMakerEndpointSpec> =
    (config.sagemaker?.demoEndpoints ?? true)
      ? Object.fromEntries(Object.entries(DEMO_ENDPOINTS).map(([name, model]) => [name, { kind: 'builtin', model }]))
      : {};
  const older: Record<string, EndpointConfig> = { ...(deps.sagemakerEndpoints ?? {}) };
  const { models, ...bedrock } = config.bedrock ?? {};
  return {
    comprehend: without(config.comprehend ?? {}, TUNING_KEYS),
    sagemaker: { endpoints: { ...demos, ...older, ...(config.sagemaker?.endpoints ?? {}) } },
    bedrock: { default: without(bedrock, TUNING_KEYS), models: { ...(models ?? {}) } },
  };
}

function buildBedrock(specs: SelectionSnapshot['bedrock'], deps: KindDeps): BedrockRouter {
  const router = new BedrockRouter(new Switchable<BedrockBackend>(bedrockBackendOf(specs.default, deps)));
  for (const [key, spec] of Object.entries(specs.models)) {
    if (key === '' || key === '*') throw configError('bedrock.models: give a model id or a prefix ending in *');
    if (TUNING_KEYS.some((k) => k in spec))
      throw configError(`bedrock.models.${key}: set latency, capacity and faults per model under bedrock.targets`);
    void router.set(key, bedrockBackendOf(spec, deps, `bedrock.models.${key}`));
  }
  return router;
}

function buildSageMaker(
  config: ComposeConfig['sagemaker'],
  endpoints: SelectionSnapshot['sagemaker']['endpoints'],
  deps: ComposeDeps,
) {
  const fallback = config?.default === undefined ? undefined : endpointBackendOf('(default)', config.default, deps);
  const dispatch = new EndpointDispatch({ accountId: deps.accountId, region: deps.region }, fallback);
  for (const [name, spec] of Object.entries(endpoints)) void dispatch.set(name, endpointBackendOf(name, spec, deps));
  return dispatch;
}

export function composeBackends(config: ComposeConfig, deps: ComposeDeps): ComposedBackends {
  checkRecord(config.record);
  let patch: ControlsPatch;
  try {
    patch = checkControlsPatch(initialControls(config));
  } catch (err) {
    if (err instanceof TuningError) throw configError(err.message);
    throw err;
  }
  const controls = new BackendControls(patch);
  const random = seededRandom(config.seed ?? Math.floor(Math.random() * 2 ** 32));
  // One stack of record/replay, latency, capacity and faults; SQL calls add
  // Aurora's retries on top, while the service APIs answer the first outcome,
  // as AWS does (the caller's SDK retries, and Aurora's counters do not see it).
  const shared = standardLayers({
    controls,
    stats: deps.stats,
    random,
    ...(config.record === undefined ? {} : { record: config.record }),
    retry: false,
  });
  const sqlLayer = config.retry === false ? shared : stack([shared, retryLayer({ ...(config.retry ?? {}), stats: deps.stats })]);
  const initial = initialSpecs(config, deps);
  const comprehend = new Switchable<ComprehendBackend>(comprehendBackendOf(initial.comprehend, deps));
  const sagemaker = buildSageMaker(config.sagemaker, initial.sagemaker.endpoints, deps);
  const bedrock = buildBedrock(initial.bedrock, deps);
  // Both stacks wrap the same holders, so a backend switched at run time serves SQL and the service APIs alike.
  const raw = { comprehend: switchableComprehend(comprehend), sagemaker, bedrock };
  const wrapAll = (layer: Layer): Backends => ({
    comprehend: wrapComprehend(raw.comprehend, layer),
    sagemaker: wrapSageMaker(raw.sagemaker, layer),
    bedrock: wrapBedrock(raw.bedrock, layer),
  });
  const selection = new BackendSelection({
    comprehend,
    sagemaker,
    bedrock,
    controls,
    deps,
    initial,
    ...(deps.logger === undefined ? {} : { logger: deps.logger }),
  });
  return {
    backends: wrapAll(sqlLayer),
    apiBackends: wrapAll(shared),
    controls,
    selection,
    close: async () => {
      await Promise.allSettled([comprehend.close(), sagemaker.close(), bedrock.close()]);
    },
  };
}
