/**
 * Bedrock per model: each model id, or id prefix written with a trailing
 * `*` ("amazon.titan-text*"), may have its own backend; everything else goes
 * to the service's default. An exact id wins over any pattern, and among
 * patterns the longest prefix wins, so "anthropic.claude-3*" beats
 * "anthropic.*" whatever order they were declared in. Ids are matched as
 * called and, failing that, without their ARN or inference-profile prefix.
 */
import { Switchable } from '../switchable.ts';
import type { BedrockBackend, CallContext, InvokeRequest, InvokeResponse } from '../types.ts';
import { baseModelId } from './model-id.ts';

export function isPattern(key: string): boolean {
  return key.endsWith('*');
}

export class BedrockRouter implements BedrockBackend {
  readonly kind = 'router';
  private readonly routes = new Map<string, Switchable<BedrockBackend>>();

  constructor(private readonly fallback: Switchable<BedrockBackend>) {}

  /** The route key that serves `modelId`, or undefined for the default backend. */
  routeOf(modelId: string): string | undefined {
    for (const id of new Set([modelId, baseModelId(modelId)])) {
      if (this.routes.has(id)) return id;
    }
    let best: string | undefined;
    for (const key of this.routes.keys()) {
      if (!isPattern(key)) continue;
      const prefix = key.slice(0, -1);
      const hit = modelId.startsWith(prefix) || baseModelId(modelId).startsWith(prefix);
      if (hit && (best === undefined || key.length > best.length)) best = key;
    }
    return best;
  }

  invokeModel(modelId: string, request: InvokeRequest, ctx: CallContext): Promise<InvokeResponse> {
    const key = this.routeOf(modelId);
    const slot = (key === undefined ? undefined : this.routes.get(key)) ?? this.fallback;
    return slot.run((backend) => backend.invokeModel(modelId, request, ctx));
  }

  /** Routes `key` (a model id or prefix*) to `backend`; resolves once the backend it replaces is closed. */
  set(key: string, backend: BedrockBackend): Promise<void> {
    const slot = this.routes.get(key);
    if (slot) return slot.replace(backend);
    this.routes.set(key, new Switchable(backend));
    return Promise.resolve();
  }

  /** Sends `key`'s models back to the default; false when there was no such route. */
  remove(key: string): boolean {
    const slot = this.routes.get(key);
    if (!slot) return false;
    this.routes.delete(key);
    void slot.close().catch(() => {});
    return true;
  }

  /** Replaces the default backend. */
  setDefault(backend: BedrockBackend): Promise<void> {
    return this.fallback.replace(backend);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.fallback.close(), ...[...this.routes.values()].map((s) => s.close())]);
  }
}
