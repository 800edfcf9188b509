/**
 * The SageMaker backend the rest of the emulator talks to: routes each
 * endpoint name to the backend configured for it (container, module,
 * built-in), plus the demo endpoints, and answers unknown names the way
 * SageMaker does.
 */
import { EmulatorError } from '../../errors.ts';
import type { CallContext, InvokeRequest, InvokeResponse, SageMakerBackend } from '../types.ts';
import { ContainerBackend } from './container.ts';
import { BuiltinModelBackend, DEMO_ENDPOINTS } from './demo-endpoints.ts';
import { BUILTIN_MODELS, type BuiltinModel } from './demo-models.ts';
import type { LimitOptions } from './limits.ts';
import { ModuleBackend } from './module.ts';

export type { BuiltinModel } from './demo-models.ts';

export interface ContainerEndpointConfig {
  readonly kind: 'container';
  /** Base URL of a server implementing POST /invocations and GET /ping. */
  readonly url: string;
}

export interface ModuleEndpointConfig {
  readonly kind: 'module';
  /** A JS/TS module exporting invoke(body, contentType, accept) or a default function. */
  readonly path: string;
}

export interface BuiltinEndpointConfig {
  readonly kind: 'builtin';
  readonly model: BuiltinModel;
}

export type EndpointConfig = ContainerEndpointConfig | ModuleEndpointConfig | BuiltinEndpointConfig;

/** Endpoint name -> how it is served. */
export type EndpointsConfig = Readonly<Record<string, EndpointConfig>>;

export interface SageMakerRouterOptions extends LimitOptions {
  readonly accountId: string;
  readonly region: string;
  /** Serve demo-echo, demo-score and demo-fraud (default true). */
  readonly demoEndpoints?: boolean;
  /** Relative module paths resolve against this (default: the working directory). */
  readonly moduleBaseDir?: string;
}

/** SageMaker's endpoint name rule. */
const ENDPOINT_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

export class SageMakerRouter implements SageMakerBackend {
  readonly kind = 'router';
  readonly accountId: string;
  readonly region: string;
  private readonly backends = new Map<string, SageMakerBackend>();

  constructor(endpoints: EndpointsConfig, options: SageMakerRouterOptions) {
    this.accountId = options.accountId;
    this.region = options.region;
    const limits: LimitOptions = options.modelTimeoutMs === undefined ? {} : { modelTimeoutMs: options.modelTimeoutMs };
    if (options.demoEndpoints ?? true) {
      for (const [name, model] of Object.entries(DEMO_ENDPOINTS)) this.backends.set(name, new BuiltinModelBackend(model, limits));
    }
    const seen = new Map<string, string>();
    for (const [name, config] of Object.entries(endpoints)) {
      checkName(name, seen);
      this.backends.set(name, build(config, limits, options.moduleBaseDir));
    }
  }

  /** Every endpoint this router answers, demo endpoints included. */
  get endpointNames(): string[] {
    return [...this.backends.keys()];
  }

  has(endpointName: string): boolean {
    return this.backends.has(endpointName);
  }

  /**
   * The endpoint's ARN, the resource IAM policies name. SageMaker lower-cases
   * the name in ARNs, while InvokeEndpoint matches the name's case exactly.
   */
  endpointArn(endpointName: string): string {
    return `arn:aws:sagemaker:${this.region}:${this.accountId}:endpoint/${endpointName.toLowerCase()}`;
  }

  invokeEndpoint(endpointName: string, request: InvokeRequest, ctx: CallContext): Promise<InvokeResponse> {
    const backend = this.backends.get(endpointName);
    if (!backend) return Promise.reject(this.notFound(endpointName));
    return backend.invokeEndpoint(endpointName, request, ctx);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.backends.values()].map((b) => b.close?.()));
  }

  private notFound(endpointName: string): EmulatorError {
    return new EmulatorError('EndpointNotFound', `Endpoint ${endpointName} of account ${this.accountId} not found.`, {
      serviceCode: 'ValidationError',
      hint: `Declare endpoint ${endpointName} in the emulator configuration (kind container, module or builtin), or use demo-echo, demo-score or demo-fraud.`,
    });
  }
}

function build(config: EndpointConfig, limits: LimitOptions, moduleBaseDir: string | undefined): SageMakerBackend {
  switch (config.kind) {
    case 'container':
      return new ContainerBackend(config.url, limits);
    case 'module':
      return new ModuleBackend(config.path, moduleBaseDir === undefined ? limits : { ...limits, baseDir: moduleBaseDir });
    case 'builtin':
      return new BuiltinModelBackend(checkModel(config.model), limits);
    default: {
      const unknownKind: never = config;
      throw new EmulatorError(
        'InvalidArgument',
        `Unknown SageMaker endpoint kind in ${JSON.stringify(unknownKind)}: use container, module or builtin`,
      );
    }
  }
}

function checkName(name: string, seen: Map<string, string>): void {
  if (!ENDPOINT_NAME.test(name)) {
    throw new EmulatorError(
      'InvalidArgument',
      `Invalid SageMaker endpoint name "${name}": use letters, digits and hyphens, at most 63 characters`,
    );
  }
  // Endpoint names are unique case-insensitively within an account and region.
  const other = seen.get(name.toLowerCase());
  if (other !== undefined) {
    throw new EmulatorError(
      'InvalidArgument',
      `SageMaker endpoints "${other}" and "${name}" differ only in case: endpoint names must be unique ignoring case`,
    );
  }
  seen.set(name.toLowerCase(), name);
}

function checkModel(model: string): BuiltinModel {
  const found = BUILTIN_MODELS.find((m) => m === model);
  if (!found)
    throw new EmulatorError('InvalidArgument', `Unknown built-in SageMaker model "${model}": use ${BUILTIN_MODELS.join(', ')}`);
  return found;
}
