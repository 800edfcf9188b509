/**
 * One emulator for a whole test run, for vitest's `globalSetup` and jest's
 * `globalSetup` (with ./global-teardown.ts as jest's `globalTeardown`).
 *
 * Options come from the same AURORA_ML_* variables and config file as the CLI
 * (AURORA_ML_PG_UPSTREAM, AURORA_ML_MYSQL_UPSTREAM, AURORA_ML_CONFIG, ...),
 * except that a front or the API takes a free port unless AURORA_ML_*_LISTEN or
 * the config file names one: the default ports would collide with a second run
 * or a dev emulator. The URLs
 * reach the tests as environment variables, since both runners start their
 * test workers after global setup and hand them the parent's environment.
 */
import { defaults, type EmulatorConfig, loadConfig } from '../config.ts';
import { type Emulator, startEmulator } from '../main.ts';
import { forgetRunEmulator, rememberRunEmulator } from './run-emulator.ts';

const freePort = '127.0.0.1:0';

export default async function setup(): Promise<() => Promise<void>> {
  const env = process.env;
  const { help: _help, ...config } = loadConfig([], env);
  const emulator = await startEmulator({
    ...config,
    pgListen: chosenOrFree(config, 'pgListen', env.AURORA_ML_PG_LISTEN),
    mysqlListen: chosenOrFree(config, 'mysqlListen', env.AURORA_ML_MYSQL_LISTEN),
    apiListen: chosenOrFree(config, 'apiListen', env.AURORA_ML_API_LISTEN),
    // The emulator's info lines would interleave with the runner's report.
    logLevel: env.AURORA_ML_LOG_LEVEL !== undefined || config.logLevel !== defaults.logLevel ? config.logLevel : 'warn',
  });
  exportUrls(emulator);
  rememberRunEmulator(emulator);
  return async () => {
    forgetRunEmulator(emulator);
    await emulator.close();
  };
}

function chosenOrFree(
  config: EmulatorConfig,
  key: 'pgListen' | 'mysqlListen' | 'apiListen',
  fromEnv: string | undefined,
): string {
  return fromEnv !== undefined || config[key] !== defaults[key] ? config[key] : freePort;
}

function exportUrls(emulator: Emulator): void {
  process.env.AURORA_ML_PG_URL = emulator.postgres.url;
  process.env.AURORA_ML_API_URL = emulator.api.url;
  if (emulator.mysql === null) delete process.env.AURORA_ML_MYSQL_URL;
  else process.env.AURORA_ML_MYSQL_URL = emulator.mysql.url;
}
