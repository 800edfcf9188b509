/**
 * The test run's emulator, kept on globalThis: jest loads its globalSetup and
 * globalTeardown as separate modules (possibly in separate module registries),
 * so a module-level variable would not reach the teardown.
 */
import type { Emulator } from '../main.ts';

const key = Symbol.for('aurora-ml-emulator.run-emulator');
const slot = globalThis as { [key]?: Emulator };

export function rememberRunEmulator(emulator: Emulator): void {
  slot[key] = emulator;
}

export function forgetRunEmulator(emulator: Emulator): void {
  if (slot[key] === emulator) delete slot[key];
}

export function runEmulator(): Emulator | undefined {
  return slot[key];
}
