/**
 * The three fuzz suites of `npm test` with a soak budget (FUZZ_CASES
 * overrides it for all three).
 */
import { describe } from 'vitest';
import { apiFuzzSuite } from '../test/helpers/fuzz/api-suite.ts';
import { mysqlWireFuzzSuite } from '../test/helpers/fuzz/mysql-suite.ts';
import { pgWireFuzzSuite } from '../test/helpers/fuzz/pg-suite.ts';
import type { FuzzReport } from '../test/helpers/fuzz/run.ts';
import { recordFigure } from './summary.ts';

const record = (r: FuzzReport) =>
  recordFigure(
    `fuzz ${r.name}: seed ${r.seed}, ${r.cases} cases, ${r.failures.length} failure(s), ${(r.ms / 1000).toFixed(1)} s`,
  );

describe('soak: PostgreSQL front fuzz', () => pgWireFuzzSuite(3000, record));
describe('soak: MySQL front fuzz', () => mysqlWireFuzzSuite(3000, record));
describe('soak: HTTP API fuzz', () => apiFuzzSuite(10_000, record));
