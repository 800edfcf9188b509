/**
 * SageMaker backend that runs a local JavaScript or TypeScript module as the
 * model, in process: the quickest way to stand in a real model's logic
 * without building a container. The module is imported on first use, so a
 * broken module fails the calls to its endpoint, not the emulator's start.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { EmulatorError } from '../../errors.ts';
import type { CallContext, InvokeRequest, InvokeResponse, SageMakerBackend } from '../types.ts';
import { invokeWithinLimits, type LimitOptions, modelError } from './limits.ts';

/** What a model module may return: a body, or a body with its content type (default: the request's accept). */
export type ModuleInvokeResult = string | Uint8Array | { readonly body: string | Uint8Array; readonly contentType?: string };

/** Passed as a 4th argument so cooperative modules can stop work the caller no longer waits for. */
export interface ModuleCallOptions {
  readonly endpointName: string;
  readonly signal: AbortSignal;
  /** Epoch ms: the earlier of the caller's deadline and SageMaker's 60 s model limit. */
  readonly deadline: number;
}

/**
 * A model module's `invoke` export (or default export). `body` is a string
 * for textual content types (text/*, JSON, JSON Lines, CSV, XML), else a Buffer.
 */
export type ModuleInvoke = (
  body: Buffer | string,
  contentType: string,
  accept: string,
  options: ModuleCallOptions,
) => ModuleInvokeResult | Promise<ModuleInvokeResult>;

export interface ModuleBackendOptions extends LimitOptions {
  /** Relative module paths resolve against this (default: the process's working directory). */
  readonly baseDir?: string;
}

const TEXTUAL = /^text\/|[/+](json|jsonlines|x-ndjson|csv|xml)\b/i;

export class ModuleBackend implements SageMakerBackend {
  readonly kind = 'module';
  /** The module's file URL. */
  readonly moduleUrl: string;
  private loading: Promise<ModuleInvoke> | undefined;

  constructor(
    readonly modulePath: string,
    private readonly options: ModuleBackendOptions = {},
  ) {
    this.moduleUrl = modulePath.startsWith('file:')
      ? modulePath
      : pathToFileURL(path.resolve(options.baseDir ?? process.cwd(), modulePath)).href;
  }

  invokeEndpoint(endpointName: string, request: InvokeRequest, ctx: CallContext): Promise<InvokeResponse> {
    const where = `model module ${this.modulePath}`;
    return invokeWithinLimits(
      endpointName,
      request,
      ctx,
      where,
      async (signal, deadline) => {
        const invoke = await this.load(endpointName);
        const body = TEXTUAL.test(request.contentType) ? request.body.toString('utf8') : request.body;
        let result: unknown;
        try {
          result = await invoke(body, request.contentType, request.accept, { endpointName, signal, deadline });
        } catch (err) {
          // The SageMaker inference toolkits answer a handler's exception with HTTP 500.
          throw modelError(endpointName, 500, err instanceof Error ? err.message : String(err), where);
        }
        return toResponse(result, request.accept, () =>
          modelError(endpointName, 500, 'invoke() returned neither a string, a Buffer nor { body, contentType }', where),
        );
      },
      this.options,
    );
  }

  private load(endpointName: string): Promise<ModuleInvoke> {
    this.loading ??= import(this.moduleUrl).then(findInvoke).then((invoke) => {
      if (invoke) return invoke;
      throw new Error('it exports no invoke function and no default function');
    });
    // Forget a failed load so that fixing the module needs no restart.
    return this.loading.catch((err: unknown) => {
      this.loading = undefined;
      throw new EmulatorError(
        'ServiceUnavailable',
        `Endpoint ${endpointName} is unavailable: could not load its model module ${this.modulePath}: ${err instanceof Error ? err.message : String(err)}`,
        {
          serviceCode: 'ServiceUnavailable',
          hint: 'The module must export invoke(body, contentType, accept) or a default function.',
          cause: err,
        },
      );
    });
  }
}

function findInvoke(mod: unknown): ModuleInvoke | undefined {
  if (!isRecord(mod)) return undefined;
  if (typeof mod.invoke === 'function') return mod.invoke as ModuleInvoke;
  if (typeof mod.default === 'function') return mod.default as ModuleInvoke;
  // A CommonJS module imported from ESM shows up as { default: module.exports }.
  if (isRecord(mod.default) && typeof mod.default.invoke === 'function') return mod.default.invoke as ModuleInvoke;
  return undefined;
}

function toResponse(result: unknown, accept: string, invalid: () => EmulatorError): InvokeResponse {
  const fallbackType = accept && !accept.includes('*') ? accept : 'application/octet-stream';
  const body = toBuffer(result);
  if (body) return { body, contentType: fallbackType };
  if (isRecord(result)) {
    const inner = toBuffer(result.body);
    if (inner) {
      const contentType = typeof result.contentType === 'string' ? result.contentType : fallbackType;
      return { body: inner, contentType };
    }
  }
  throw invalid();
}

function toBuffer(value: unknown): Buffer | undefined {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
