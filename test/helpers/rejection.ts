/** The EmulatorError a backend call rejects with (the test fails if it resolves, throws something else, or uses a code outside the catalog). */
import { expect } from 'vitest';
import { catalog, EmulatorError } from '../../src/errors.ts';

export async function rejection(promise: Promise<unknown>): Promise<EmulatorError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(EmulatorError);
    expect(Object.keys(catalog)).toContain((err as EmulatorError).code);
    return err as EmulatorError;
  }
  throw new Error('expected the call to fail');
}
