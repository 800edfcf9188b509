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
 *       kind: builtin              # builtin (default) | rules | aws | openai
 *       targets: { anthropic.claude-3-haiku-20240307-v1:0: { capacity: { maxConcurrent: 2 } } }
 */
import { EmulatorError } from '../errors.ts';
import type { Backends } from '../ml/evaluator.ts';
import type { MlStats } from '../ml/stats.ts';
import { BuiltinBedrockBackend } from './bedrock/builtin.ts';
import { BuiltinComprehendBackend } from './comprehend/builtin.ts';
import { BackendControls, type ControlsPatch, checkControlsPatch, type ServiceTuning } from './middleware/controls.ts';
import type { PresetName } from './middleware/presets.ts';
import { seededRandom } from './middleware/random.ts';
import type { RecordOptions } from './middleware/record-replay.ts';
import type { RetryOptions } from './middleware/retry.ts';
import { retryLayer } from './middleware/retry.ts';
import { type Layer, standardLayers } from './middleware/standard.ts';
import { type Tuning, TuningError } from './middleware/tuning.ts';
import { stack, wrapBedrock, wrapComprehend, wrapSageMaker } from './middleware/wrap.ts';
import { RulesBedrockBackend } from './rules/bedrock.ts';
import { RulesComprehendBackend } from './rules/comprehend.ts';
import { RulesSageMakerBackend } from './rules/sagemaker.ts';
import { type EndpointConfig, SageMakerRouter } from './sagemaker/router.ts';
import type { BedrockBackend, CallContext, ComprehendBackend, InvokeRequest, SageMakerBackend } from './types.ts';

/** Options a factory-built kind reads (region, endpoint URL, model path...), passed through as written. */
export type KindOptions = Readonly<Record<string, unknown>>;

export type SageMakerEndpointSpec = (
  | EndpointConfig
  | { readonly kind: 'rules'; readonly file: string }
  | ({ readonly kind: 'aws' | 'model' } & KindOptions)
) &
  Tuning;

export interface ComposeConfig {
  readonly preset?: PresetName;
  readonly seed?: number;
  readonly retry?: Omit<RetryOptions, 'stats'> | false;
  readonly record?: RecordOptions;
  readonly comprehend?: ServiceTuning &
    KindOptions & { readonly kind?: 'builtin' | 'rules' | 'aws'; readonly rulesFile?: string };
  readonly sagemaker?: ServiceTuning & {
    /** Endpoint name -> how it is served, with its own latency, capacity and faults. */
    readonly endpoints?: Readonly<Record<string, SageMakerEndpointSpec>>;
    /** How endpoints not declared are served (default: SageMaker's "endpoint not found"). */
    readonly default?: SageMakerEndpointSpec;
    /** demo-echo, demo-score, demo-fraud (default true). */
    readonly demoEndpoints?: boolean;
  };
  readonly bedrock?: ServiceTuning &
    KindOptions & { readonly kind?: 'builtin' | 'rules' | 'aws' | 'openai'; readonly rulesFile?: string };
}

/** Builders of the kinds other modules implement, by service and kind. */
export interface BackendFactories {
  readonly 'comprehend.aws'?: (config: KindOptions) => ComprehendBackend;
  readonly 'sagemaker.aws'?: (config: KindOptions & { readonly endpointName: string }) => SageMakerBackend;
  readonly 'sagemaker.model'?: (config: KindOptions & { readonly endpointName: string }) => SageMakerBackend;
  readonly 'bedrock.aws'?: (config: KindOptions) => BedrockBackend;
  readonly 'bedrock.openai'?: (config: KindOptions) => BedrockBackend;
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
}

export interface ComposedBackends {
  /** For SQL calls: with Aurora's retries. */
  readonly backends: Backends;
  /** For the AWS-compatible service APIs: the same backends, limits and faults, without server-side retries. */
  readonly apiBackends: Backends;
  readonly controls: BackendControls;
  close(): Promise<void>;
}

const TUNING_KEYS = ['latency', 'capacity', 'faults', 'targets'] as const;

function configError(message: string): EmulatorError {
  return new EmulatorError('InvalidArgument', `backends config: ${message}`);
}

function factory<K extends keyof BackendFactories>(deps: ComposeDeps, key: K): NonNullable<BackendFactories[K]> {
  const make = deps.factories?.[key];
  if (!make)
    throw configError(
      `kind "${key.split('.')[1]}" of ${key.split('.')[0]} is not available in this build (no factory for ${key})`,
    );
  return make as NonNullable<BackendFactories[K]>;
}

function without<T extends object>(o: T, keys: readonly string[]): KindOptions {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
}

function comprehendOf(config: ComposeConfig['comprehend'], deps: ComposeDeps): ComprehendBackend {
  const kind = config?.kind ?? 'builtin';
  switch (kind) {
    case 'builtin':
      return new BuiltinComprehendBackend();
    case 'rules':
      if (!config?.rulesFile) throw configError('comprehend kind rules needs rulesFile');
      return new RulesComprehendBackend(config.rulesFile, new BuiltinComprehendBackend());
    case 'aws':
      return factory(deps, 'comprehend.aws')(without(config ?? {}, TUNING_KEYS));
    default:
      throw configError(`unknown comprehend kind ${JSON.stringify(kind)}: use builtin, rules or aws`);
  }
}

function bedrockOf(config: ComposeConfig['bedrock'], deps: ComposeDeps): BedrockBackend {
  const kind = config?.kind ?? 'builtin';
  switch (kind) {
    case 'builtin':
      return new BuiltinBedrockBackend();
    case 'rules':
      if (!config?.rulesFile) throw configError('bedrock kind rules needs rulesFile');
      return new RulesBedrockBackend(config.rulesFile);
    case 'aws':
    case 'openai':
      return factory(deps, `bedrock.${kind}`)(without(config ?? {}, TUNING_KEYS));
    default:
      throw configError(`unknown bedrock kind ${JSON.stringify(kind)}: use builtin, rules, aws or openai`);
  }
}

/** A backend for an endpoint kind the router does not serve itself. */
function endpointBackend(name: string, spec: SageMakerEndpointSpec, deps: ComposeDeps): SageMakerBackend | undefined {
  switch (spec.kind) {
    case 'container':
    case 'module':
    case 'builtin':
      return undefined;
    case 'rules':
      if (typeof spec.file !== 'string') throw configError(`sagemaker endpoint ${name}: kind rules needs file`);
      return new RulesSageMakerBackend(spec.file);
    case 'aws':
    case 'model':
      return factory(deps, `sagemaker.${spec.kind}`)({ ...without(spec, TUNING_KEYS), endpointName: name });
    default:
      throw configError(
        `sagemaker endpoint ${name}: unknown kind ${JSON.stringify((spec as { kind: unknown }).kind)}: use container, module, builtin, rules, aws or model`,
      );
  }
}

/** Endpoint names to their backends; everything else goes to the router (declared container/module/builtin and demos). */
class EndpointDispatch implements SageMakerBackend {
  readonly kind = 'router';
  constructor(
    private readonly own: ReadonlyMap<string, SageMakerBackend>,
    private readonly router: SageMakerRouter,
    private readonly fallback: SageMakerBackend | undefined,
  ) {}

  invokeEndpoint(endpointName: string, request: InvokeRequest, ctx: CallContext) {
    const backend = this.own.get(endpointName) ?? (this.fallback && !this.router.has(endpointName) ? this.fallback : this.router);
    return backend.invokeEndpoint(endpointName, request, ctx);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.router.close(), this.fallback?.close?.(), ...[...this.own.values()].map((b) => b.close?.())]);
  }
}

function sagemakerOf(config: ComposeConfig['sagemaker'], deps: ComposeDeps): SageMakerBackend {
  const declared: Record<string, SageMakerEndpointSpec> = { ...(deps.sagemakerEndpoints ?? {}), ...(config?.endpoints ?? {}) };
  const routed: Record<string, EndpointConfig> = {};
  const own = new Map<string, SageMakerBackend>();
  for (const [name, spec] of Object.entries(declared)) {
    const backend = endpointBackend(name, spec, deps);
    if (backend) own.set(name, backend);
    else routed[name] = without(spec, TUNING_KEYS) as unknown as EndpointConfig;
  }
  const router = new SageMakerRouter(routed, {
    accountId: deps.accountId,
    region: deps.region,
    demoEndpoints: config?.demoEndpoints ?? true,
    ...(deps.baseDir === undefined ? {} : { moduleBaseDir: deps.baseDir }),
  });
  const fallback = config?.default === undefined ? undefined : endpointBackend('(default)', config.default, deps);
  if (config?.default !== undefined && fallback === undefined)
    throw configError('sagemaker.default: use kind rules, aws or model');
  return new EndpointDispatch(own, router, fallback);
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
  const sagemaker = sagemakerOf(config.sagemaker, deps);
  const raw = { comprehend: comprehendOf(config.comprehend, deps), bedrock: bedrockOf(config.bedrock, deps) };
  const wrapAll = (layer: Layer): Backends => ({
    comprehend: wrapComprehend(raw.comprehend, layer),
    sagemaker: wrapSageMaker(sagemaker, layer),
    bedrock: wrapBedrock(raw.bedrock, layer),
  });
  return {
    backends: wrapAll(sqlLayer),
    apiBackends: wrapAll(shared),
    controls,
    close: async () => sagemaker.close?.(),
  };
}
