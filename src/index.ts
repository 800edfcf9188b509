/** Programmatic API for integration tests: see README "Use it from your tests". */

export type { EmulatorConfig } from './config.ts';
export { catalog, EmulatorError, type ErrorCode } from './errors.ts';
export { type Emulator, type EmulatorOptions, startEmulator } from './main.ts';
