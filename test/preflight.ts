/**
 * vitest globalSetup: before any test file runs, checks that the machine has
 * what the suite needs (the two database servers at TEST_PG_URL and
 * TEST_MYSQL_URL, the programs the tests spawn) and stops with one message
 * naming every missing piece and what provides it, instead of dozens of
 * files failing on ECONNREFUSED or ENOENT.
 * TEST_PREFLIGHT=off skips it, for test files that need none of this.
 */
import { checkMysql, checkPostgres, type Finding } from './helpers/preflight-services.ts';
import { driverMatrixWarnings, missingPrograms } from './helpers/preflight-tools.ts';
import { mysqlUrlFrom, pgUrlFrom } from './helpers/test-databases.ts';

export interface PreflightReport {
  /** Without these npm test cannot pass. */
  readonly failures: readonly Finding[];
  /** Only some driver-matrix cases need these. */
  readonly warnings: readonly Finding[];
}

type Env = Readonly<Record<string, string | undefined>>;

export async function checkTestMachine(env: Env = process.env): Promise<PreflightReport> {
  const [pgFindings, mysqlFindings, warnings] = await Promise.all([
    checkPostgres(pgUrlFrom(env)),
    checkMysql(mysqlUrlFrom(env)),
    driverMatrixWarnings(),
  ]);
  return { failures: [...pgFindings, ...mysqlFindings, ...missingPrograms(undefined, env.PATH)], warnings };
}

const listed = (findings: readonly Finding[]) =>
  findings.map((f) => `  - ${f.what}: ${f.problem}\n      fix: ${f.fix}`).join('\n');

export function describeFailures(failures: readonly Finding[]): string {
  return [
    `npm test needs ${failures.length === 1 ? 'one thing' : `${failures.length} things`} this machine lacks (README: "Running the tests"):`,
    listed(failures),
    'TEST_PREFLIGHT=off skips this check, for test files that need no database.',
  ].join('\n');
}

export default async function setup(): Promise<void> {
  if (process.env.TEST_PREFLIGHT === 'off') return;
  const { failures, warnings } = await checkTestMachine();
  if (warnings.length > 0) console.warn(`preflight warnings (the rest of the suite runs):\n${listed(warnings)}`);
  if (failures.length > 0) {
    const error = new Error(describeFailures(failures));
    error.stack = error.message; // the list is the whole story: no stack or code frame under it
    throw error;
  }
}
