/** Deadline and cancel checks for the rules backends, which answer at once. */
import { EmulatorError } from '../../errors.ts';
import { canceledError } from '../support/call-guard.ts';
import type { CallContext } from '../types.ts';

export function checkRulesContext(what: string, ctx: CallContext): void {
  if (ctx.signal.aborted) throw canceledError();
  if (Date.now() >= ctx.deadline)
    throw new EmulatorError('InferenceTimeout', `${what} did not answer within the inference timeout`);
}
