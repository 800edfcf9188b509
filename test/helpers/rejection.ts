/** The EmulatorError a backend call rejects with (the test fails if it resolves or throws something else). */
import { expect } from 'vitest';
import { EmulatorError } from '../../src/errors.ts';

export async function rejection(promise: Promise<unknown>): Promise<EmulatorError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(EmulatorError);
    return err as EmulatorError;
  }
  throw new Error('expected the call to fail');
}
