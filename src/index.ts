/** Programmatic API for integration tests: see README "Use it from your tests". */
export { startEmulator, type Emulator, type EmulatorOptions } from './main.ts';
export type { EmulatorConfig } from './config.ts';
export { EmulatorError, catalog, type ErrorCode } from './errors.ts';
