/**
 * SageMaker per endpoint: each endpoint name has its own replaceable
 * backend, endpoints can come and go while the emulator runs, and a name
 * with no endpoint goes to the configured default or, without one, gets
 * SageMaker's "endpoint not found" from an empty router.
 */
import { EmulatorError } from '../../errors.ts';
import { Switchable } from '../switchable.ts';
import type { CallContext, InvokeRequest, InvokeResponse, SageMakerBackend } from '../types.ts';
import { SageMakerRouter } from './router.ts';

export class EndpointDispatch implements SageMakerBackend {
  readonly kind = 'endpoints';
  private readonly endpoints = new Map<string, Switchable<SageMakerBackend>>();
  private readonly notFound: SageMakerRouter;

  constructor(
    identity: { readonly accountId: string; readonly region: string },
    private readonly fallback: SageMakerBackend | undefined,
  ) {
    this.notFound = new SageMakerRouter({}, { ...identity, demoEndpoints: false });
  }

  get names(): string[] {
    return [...this.endpoints.keys()];
  }

  has(name: string): boolean {
    return this.endpoints.has(name);
  }

  invokeEndpoint(endpointName: string, request: InvokeRequest, ctx: CallContext): Promise<InvokeResponse> {
    const slot = this.endpoints.get(endpointName);
    if (slot) return slot.run((backend) => backend.invokeEndpoint(endpointName, request, ctx));
    return (this.fallback ?? this.notFound).invokeEndpoint(endpointName, request, ctx);
  }

  /** Serves `name` from `backend`; resolves once the backend it replaces is closed. */
  set(name: string, backend: SageMakerBackend): Promise<void> {
    // SageMaker endpoint names are unique ignoring case within an account and region.
    const clash = this.names.find((n) => n !== name && n.toLowerCase() === name.toLowerCase());
    if (clash !== undefined) {
      throw new EmulatorError(
        'InvalidArgument',
        `SageMaker endpoints "${clash}" and "${name}" differ only in case: endpoint names must be unique ignoring case`,
      );
    }
    const slot = this.endpoints.get(name);
    if (slot) return slot.replace(backend);
    this.endpoints.set(name, new Switchable(backend));
    return Promise.resolve();
  }

  /** Removes the endpoint (calls to it fail as SageMaker's do); false when there was none. */
  remove(name: string): boolean {
    const slot = this.endpoints.get(name);
    if (!slot) return false;
    this.endpoints.delete(name);
    void slot.close().catch(() => {});
    return true;
  }

  async close(): Promise<void> {
    await Promise.allSettled([
      this.fallback?.close?.(),
      this.notFound.close(),
      ...[...this.endpoints.values()].map((s) => s.close()),
    ]);
  }
}
