/** The error a failed installation of the stubs becomes, naming what to change on the upstream. */
import { EmulatorError } from '../../errors.ts';
import { STUB_SCHEMA } from './stubs.ts';

/** ER_BINLOG_UNSAFE_ROUTINE: binary logging is on and routine creators are not trusted. */
const ER_BINLOG_UNSAFE_ROUTINE = 1418;

/** Why the stubs could not be installed, with what to change on the upstream. */
export function installError(err: { errno: number; message: string }): EmulatorError {
  const hint =
    err.errno === ER_BINLOG_UNSAFE_ROUTINE
      ? 'The upstream has binary logging on: start it with --log-bin-trust-function-creators=1 (or SET GLOBAL log_bin_trust_function_creators = 1), or with --skip-log-bin'
      : `Grant the emulator's user CREATE, CREATE ROUTINE, ALTER ROUTINE and CREATE TEMPORARY TABLES on ${STUB_SCHEMA}.*`;
  return new EmulatorError(
    'UpstreamSetupFailed',
    `aurora-ml-emulator could not install its functions in the upstream database: ${err.message}`,
    { hint },
  );
}
