/**
 * What stops the emulator from starting, said in one line that names the
 * flag, environment variable or config key to fix. The library throws these;
 * only the CLI prints them and exits, with 2 for a usage error (the options
 * are wrong) and 1 for an environment error (the options are fine, but a
 * port is taken or an upstream cannot be reached or refuses the login).
 */
export type StartupErrorKind = 'usage' | 'environment';

export class StartupError extends Error {
  readonly kind: StartupErrorKind;
  /** A second line with the fix, when the first one cannot hold it. */
  readonly hint: string | undefined;

  constructor(kind: StartupErrorKind, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StartupError';
    this.kind = kind;
    this.hint = options.hint;
  }

  get exitCode(): 1 | 2 {
    return this.kind === 'usage' ? 2 : 1;
  }
}

export function usageError(message: string, options: { hint?: string; cause?: unknown } = {}): StartupError {
  return new StartupError('usage', message, options);
}

export function environmentError(message: string, options: { hint?: string; cause?: unknown } = {}): StartupError {
  return new StartupError('environment', message, options);
}

/** Where each option's value came from, for messages: `--pg-listen`, `AURORA_ML_PG_LISTEN`, `pgListen in ./emulator.yaml`. */
export type OptionNames = (key: string) => string;

/** Library callers name options by their EmulatorOptions key. */
export const optionKeyNames: OptionNames = (key) => key;
