/**
 * Evaluates the distinct ML calls of one statement: authorizes each
 * (user, function, resource) once, then runs every function family's batches
 * against its backend. Both protocol fronts use this; it knows no SQL.
 */
import type { Backends } from '../backends/types.ts';
import type { Authorizer } from '../control/authorize.ts';
import { EmulatorError } from '../errors.ts';
import { evaluateBedrock } from '../functions/bedrock.ts';
import { evaluateComprehend } from '../functions/comprehend.ts';
import { type Family, FUNCTIONS, resourceOf } from '../functions/registry.ts';
import { evaluateSageMaker } from '../functions/sagemaker.ts';
import type { EvalContext, MlCall, MlResults } from './calls.ts';
import { checkNotCanceled, timeoutError } from './deadline.ts';
import { noStatementTracer, type StatementTracer } from './statement-trace.ts';
import type { MlStats } from './stats.ts';

export class MlEvaluator {
  constructor(
    private readonly backends: Backends,
    private readonly authorizer: Authorizer,
    readonly stats: MlStats,
    /** Where the fronts' evaluation loops report each statement (the dashboard's statement log). */
    readonly statements: StatementTracer = noStatementTracer,
  ) {}

  async evaluate(calls: readonly MlCall[], ctx: EvalContext): Promise<MlResults> {
    checkNotCanceled(ctx);
    const unknown = calls.find((c) => !Object.hasOwn(FUNCTIONS, c.fn));
    if (unknown !== undefined) throw new EmulatorError('Internal', `no ML function is named ${String(unknown.fn)}`);
    this.authorizeAll(calls, ctx);
    const byFamily: Record<Family, MlCall[]> = { comprehend: [], sagemaker: [], bedrock: [] };
    for (const call of calls) byFamily[FUNCTIONS[call.fn].family].push(call);
    const { comprehend, sagemaker, bedrock } = byFamily;
    try {
      const parts = await Promise.all([
        comprehend.length ? evaluateComprehend(comprehend, this.backends.comprehend, ctx, this.stats) : null,
        sagemaker.length ? evaluateSageMaker(sagemaker, this.backends.sagemaker, ctx, this.stats) : null,
        bedrock.length ? evaluateBedrock(bedrock, this.backends.bedrock, ctx, this.stats) : null,
      ]);
      const results: MlResults = new Map();
      for (const part of parts) if (part) for (const [k, v] of part) results.set(k, v);
      return results;
    } catch (err) {
      if (ctx.signal.aborted) throw new EmulatorError('QueryCanceled', 'canceling statement due to user request');
      if (err instanceof EmulatorError && (err.code === 'InferenceTimeout' || err.code === 'StatementTimeout')) {
        throw timeoutError(ctx);
      }
      throw err;
    }
  }

  private authorizeAll(calls: readonly MlCall[], ctx: EvalContext): void {
    const seen = new Set<string>();
    for (const call of calls) {
      const resource = resourceOf(call.fn, call.args);
      const id = `${call.fn}\u0000${resource}`;
      if (seen.has(id)) continue;
      seen.add(id);
      this.authorizer.authorize({ user: ctx.user, database: ctx.database, fn: call.fn, resource, caller: ctx.caller });
    }
  }
}
