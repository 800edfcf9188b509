/**
 * Builds one backend from its spec (the kind plus that kind's options), for
 * the config at start-up and for the run-time API alike, so both accept
 * exactly the same specs and fail with the same messages.
 */
import { EmulatorError } from '../errors.ts';
import { BuiltinBedrockBackend } from './bedrock/builtin.ts';
import { BuiltinComprehendBackend } from './comprehend/builtin.ts';
import type { Tuning } from './middleware/tuning.ts';
import { RulesBedrockBackend } from './rules/bedrock.ts';
import { RulesComprehendBackend } from './rules/comprehend.ts';
import { RulesSageMakerBackend } from './rules/sagemaker.ts';
import { type EndpointConfig, SageMakerRouter } from './sagemaker/router.ts';
import type { BedrockBackend, ComprehendBackend, SageMakerBackend } from './types.ts';

/** Options a factory-built kind reads (region, endpoint URL, model path...), passed through as written. */
export type KindOptions = Readonly<Record<string, unknown>>;

export type ComprehendSpec = KindOptions & { readonly kind?: 'builtin' | 'rules' | 'aws'; readonly rulesFile?: string };

export type BedrockSpec = KindOptions & {
  readonly kind?: 'builtin' | 'rules' | 'aws' | 'openai';
  readonly rulesFile?: string;
};

export type SageMakerEndpointSpec = (
  | EndpointConfig
  | { readonly kind: 'rules'; readonly file: string }
  | ({ readonly kind: 'aws' | 'model' } & KindOptions)
) &
  Tuning;

/** Builders of the kinds other modules implement, by service and kind. */
export interface BackendFactories {
  readonly 'comprehend.aws'?: (config: KindOptions) => ComprehendBackend;
  readonly 'sagemaker.aws'?: (config: KindOptions & { readonly endpointName: string }) => SageMakerBackend;
  readonly 'sagemaker.model'?: (config: KindOptions & { readonly endpointName: string }) => SageMakerBackend;
  readonly 'bedrock.aws'?: (config: KindOptions) => BedrockBackend;
  readonly 'bedrock.openai'?: (config: KindOptions) => BedrockBackend;
}

export interface KindDeps {
  readonly accountId: string;
  readonly region: string;
  /** Relative module paths resolve against this (default: the working directory). */
  readonly baseDir?: string;
  readonly factories?: BackendFactories;
}

/** Settings that belong to the middleware (BackendControls), not to the backend. */
export const TUNING_KEYS = ['latency', 'capacity', 'faults', 'targets'] as const;

export function configError(message: string): EmulatorError {
  return new EmulatorError('InvalidArgument', `backends config: ${message}`);
}

function factory<K extends keyof BackendFactories>(deps: KindDeps, key: K): NonNullable<BackendFactories[K]> {
  const make = deps.factories?.[key];
  if (!make)
    throw configError(
      `kind "${key.split('.')[1]}" of ${key.split('.')[0]} is not available in this build (no factory for ${key})`,
    );
  return make as NonNullable<BackendFactories[K]>;
}

export function without<T extends object>(o: T, keys: readonly string[]): KindOptions {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
}

function checkSpec(spec: unknown, where: string): void {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw configError(`${where}: expected an object`);
}

export function comprehendBackendOf(spec: ComprehendSpec | undefined, deps: KindDeps): ComprehendBackend {
  if (spec !== undefined) checkSpec(spec, 'comprehend');
  const kind = spec?.kind ?? 'builtin';
  switch (kind) {
    case 'builtin':
      return new BuiltinComprehendBackend();
    case 'rules':
      if (typeof spec?.rulesFile !== 'string') throw configError('comprehend kind rules needs rulesFile');
      return new RulesComprehendBackend(spec.rulesFile, new BuiltinComprehendBackend());
    case 'aws':
      return factory(deps, 'comprehend.aws')(without(spec ?? {}, TUNING_KEYS));
    default:
      throw configError(`unknown comprehend kind ${JSON.stringify(kind)}: use builtin, rules or aws`);
  }
}

export function bedrockBackendOf(spec: BedrockSpec | undefined, deps: KindDeps, where = 'bedrock'): BedrockBackend {
  if (spec !== undefined) checkSpec(spec, where);
  const kind = spec?.kind ?? 'builtin';
  switch (kind) {
    case 'builtin':
      return new BuiltinBedrockBackend();
    case 'rules':
      if (typeof spec?.rulesFile !== 'string') throw configError(`${where}: kind rules needs rulesFile`);
      return new RulesBedrockBackend(spec.rulesFile);
    case 'aws':
    case 'openai':
      return factory(deps, `bedrock.${kind}`)(without(spec ?? {}, [...TUNING_KEYS, 'models']));
    default:
      throw configError(`${where}: unknown kind ${JSON.stringify(kind)}: use builtin, rules, aws or openai`);
  }
}

/**
 * The backend of one SageMaker endpoint. Container, module and builtin
 * endpoints get a router of their own holding just that endpoint, which
 * checks the name as SageMaker does.
 */
export function endpointBackendOf(name: string, spec: SageMakerEndpointSpec, deps: KindDeps): SageMakerBackend {
  checkSpec(spec, `sagemaker endpoint ${name}`);
  switch (spec.kind) {
    case 'container':
    case 'module':
    case 'builtin':
      return new SageMakerRouter(
        { [name]: without(spec, TUNING_KEYS) as unknown as EndpointConfig },
        {
          accountId: deps.accountId,
          region: deps.region,
          demoEndpoints: false,
          ...(deps.baseDir === undefined ? {} : { moduleBaseDir: deps.baseDir }),
        },
      );
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
