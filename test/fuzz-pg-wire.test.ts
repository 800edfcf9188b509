/**
 * Issue 11: seeded fuzzing of the PostgreSQL front (mutated, truncated,
 * garbage and valid-but-odd message sequences before and after
 * authentication, ML statements with odd arguments). FUZZ_SEED and FUZZ_CASES
 * explore further; `npm run soak` runs the same cases with a large budget.
 */
import { describe } from 'vitest';
import { pgWireFuzzSuite } from './helpers/fuzz/pg-suite.ts';

describe('PostgreSQL front under fuzzed input', () => {
  pgWireFuzzSuite(120);
});
