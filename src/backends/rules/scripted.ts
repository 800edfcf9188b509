/**
 * What SageMaker and Bedrock rules share: an outcome is an answer or an
 * error type, and an ordered queue hands out the next outcome.
 */
import { EmulatorError } from '../../errors.ts';
import { type CallTarget, describeCall } from '../middleware/call.ts';
import { faultError } from '../middleware/service-errors.ts';
import { FAULT_TYPES, type FaultType } from '../middleware/tuning.ts';

export type Outcome<A> = { readonly answer: A } | { readonly error: FaultType; readonly message?: string };

export function outcome<A>(
  o: Record<string, unknown>,
  where: string,
  answer: (o: Record<string, unknown>) => A | undefined,
): Outcome<A> {
  if (o.error !== undefined) {
    const error = FAULT_TYPES.find((t) => t === o.error);
    if (!error) throw new Error(`${where}.error: expected one of ${FAULT_TYPES.join(', ')}`);
    return o.message === undefined ? { error } : { error, message: String(o.message) };
  }
  const a = answer(o);
  if (a === undefined) throw new Error(`${where}: expected an answer or an error`);
  return { answer: a };
}

/** An ordered queue of outcomes, consumed one per use (reset when the file is re-read). */
export class OutcomeQueue<A> {
  private next = 0;
  constructor(private readonly items: readonly Outcome<A>[]) {}

  take(): Outcome<A> | undefined {
    return this.items[this.next++];
  }
}

/** The answer, or the scripted error as the service reports it (with the file's own message, if given). */
export function unwrap<A>(o: Outcome<A>, call: CallTarget, file: string): A {
  if (!('error' in o)) return o.answer;
  const err = faultError(call, o.error, `Scripted in the rules file ${file}.`);
  if (o.message === undefined) throw err;
  throw new EmulatorError(err.code, `${describeCall(call)}: ${o.message}`, {
    ...(err.serviceCode === undefined ? {} : { serviceCode: err.serviceCode }),
    detail: `Scripted in the rules file ${file}.`,
  });
}
