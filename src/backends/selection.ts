/**
 * Which backend serves what, changeable while the emulator runs: Comprehend
 * as a whole, each SageMaker endpoint, Bedrock's default and each Bedrock
 * model or model prefix. A change builds the new backend from the same spec
 * the config takes (so a bad spec fails before anything changes), swaps it
 * in behind the middleware stacks, and closes the old backend once the
 * calls already running on it have finished. Latency, capacity and fault
 * settings in a spec are applied to BackendControls as the config's are.
 */
import type { Logger } from 'pino';
import type { BedrockRouter } from './bedrock/router.ts';
import {
  type BedrockSpec,
  bedrockBackendOf,
  type ComprehendSpec,
  comprehendBackendOf,
  configError,
  endpointBackendOf,
  type KindDeps,
  type SageMakerEndpointSpec,
} from './kinds.ts';
import { type BackendControls, type ControlsPatch, checkControlsPatch } from './middleware/controls.ts';
import { type Tuning, TuningError } from './middleware/tuning.ts';
import type { EndpointDispatch } from './sagemaker/endpoints.ts';
import type { Switchable } from './switchable.ts';
import type { ComprehendBackend } from './types.ts';

/** The specs in effect (as given, latency/capacity/fault settings included). */
export interface SelectionSnapshot {
  readonly comprehend: ComprehendSpec;
  readonly sagemaker: { readonly endpoints: Readonly<Record<string, SageMakerEndpointSpec>> };
  readonly bedrock: { readonly default: BedrockSpec; readonly models: Readonly<Record<string, BedrockSpec>> };
}

export interface SelectionParts {
  readonly comprehend: Switchable<ComprehendBackend>;
  readonly sagemaker: EndpointDispatch;
  readonly bedrock: BedrockRouter;
  readonly controls: BackendControls;
  readonly deps: KindDeps;
  /** The specs the backends were built from at start-up. */
  readonly initial: SelectionSnapshot;
  /** Where a replaced backend's failure to close is reported. */
  readonly logger?: Logger;
}

const TUNING_ONLY = ['latency', 'capacity', 'faults'] as const;

function tuningOf(spec: object): Tuning {
  return Object.fromEntries(Object.entries(spec).filter(([k]) => (TUNING_ONLY as readonly string[]).includes(k)));
}

/** Validates a controls patch without applying it, as a config error. */
function checked(patch: ControlsPatch): ControlsPatch {
  try {
    return checkControlsPatch(patch);
  } catch (err) {
    if (err instanceof TuningError) throw configError(err.message);
    throw err;
  }
}

export class BackendSelection {
  private comprehendSpec: ComprehendSpec;
  private bedrockSpec: BedrockSpec;
  private readonly endpointSpecs: Map<string, SageMakerEndpointSpec>;
  private readonly modelSpecs: Map<string, BedrockSpec>;

  constructor(private readonly parts: SelectionParts) {
    this.comprehendSpec = parts.initial.comprehend;
    this.bedrockSpec = parts.initial.bedrock.default;
    this.endpointSpecs = new Map(Object.entries(parts.initial.sagemaker.endpoints));
    this.modelSpecs = new Map(Object.entries(parts.initial.bedrock.models));
  }

  /** The specs in effect. */
  snapshot(): SelectionSnapshot {
    return structuredClone({
      comprehend: this.comprehendSpec,
      sagemaker: { endpoints: Object.fromEntries(this.endpointSpecs) },
      bedrock: { default: this.bedrockSpec, models: Object.fromEntries(this.modelSpecs) },
    });
  }

  /** Serves Comprehend from `spec` (the shape of the config's `backends.comprehend`). */
  setComprehend(spec: ComprehendSpec & Tuning): void {
    const patch = checked({ comprehend: tuningOf(spec) });
    const backend = comprehendBackendOf(spec, this.parts.deps);
    this.retired('comprehend', this.parts.comprehend.replace(backend));
    this.parts.controls.setControls(patch);
    this.comprehendSpec = structuredClone(spec);
  }

  /** Adds or replaces SageMaker endpoint `name` (the shape of an entry of `backends.sagemaker.endpoints`). */
  setEndpoint(name: string, spec: SageMakerEndpointSpec): void {
    const patch = checked({ sagemaker: { targets: { [name]: tuningOf(spec) } } });
    const backend = endpointBackendOf(name, spec, this.parts.deps);
    this.retired(`sagemaker endpoint ${name}`, this.parts.sagemaker.set(name, backend));
    if (Object.keys(tuningOf(spec)).length > 0) this.parts.controls.setControls(patch);
    this.endpointSpecs.set(name, structuredClone(spec));
  }

  /** Removes SageMaker endpoint `name`; false when it did not exist. */
  removeEndpoint(name: string): boolean {
    this.endpointSpecs.delete(name);
    return this.parts.sagemaker.remove(name);
  }

  /** Serves Bedrock models without a route of their own from `spec`. */
  setBedrock(spec: BedrockSpec & Tuning): void {
    if ('models' in spec)
      throw configError('bedrock: set model routes one by one (setBedrockModel, PUT .../bedrock/models/<id>)');
    const patch = checked({ bedrock: tuningOf(spec) });
    const backend = bedrockBackendOf(spec, this.parts.deps);
    this.retired('bedrock', this.parts.bedrock.setDefault(backend));
    this.parts.controls.setControls(patch);
    this.bedrockSpec = structuredClone(spec);
  }

  /** Routes a model id, or an id prefix ending in `*`, to its own backend. */
  setBedrockModel(key: string, spec: BedrockSpec): void {
    if (key === '' || key === '*') throw configError('bedrock model: give a model id or a prefix ending in *');
    if (Object.keys(tuningOf(spec)).length > 0)
      throw configError(`bedrock model ${key}: set latency, capacity and faults per model under bedrock targets`);
    const backend = bedrockBackendOf(spec, this.parts.deps, `bedrock model ${key}`);
    this.retired(`bedrock model ${key}`, this.parts.bedrock.set(key, backend));
    this.modelSpecs.set(key, structuredClone(spec));
  }

  /** Sends the models of `key` back to Bedrock's default backend; false when there was no such route. */
  removeBedrockModel(key: string): boolean {
    this.modelSpecs.delete(key);
    return this.parts.bedrock.remove(key);
  }

  private retired(what: string, closed: Promise<void>): void {
    closed.catch((err: unknown) => this.parts.logger?.warn({ err, backend: what }, 'a replaced backend failed to close'));
  }
}
