/**
 * Issue 11: seeded fuzzing of the MySQL front (mutated handshake responses,
 * bad lengths and sequence ids, COM_STMT_* with bad ids and parameters, ML
 * statements with odd arguments). FUZZ_SEED and FUZZ_CASES explore further;
 * `npm run soak` runs the same cases with a large budget.
 */
import { describe } from 'vitest';
import { mysqlWireFuzzSuite } from './helpers/fuzz/mysql-suite.ts';

describe('MySQL front under fuzzed input', () => {
  mysqlWireFuzzSuite(120);
});
