/** jest's `globalTeardown`: stops the emulator ./global-setup.ts started (vitest uses setup's return value instead). */
import { forgetRunEmulator, runEmulator } from './run-emulator.ts';

export default async function teardown(): Promise<void> {
  const emulator = runEmulator();
  if (emulator === undefined) return;
  forgetRunEmulator(emulator);
  await emulator.close();
}
