/**
 * Issue 11: seeded fuzzing of the HTTP API (methods, request targets, Host /
 * Origin / content types, bad, huge and binary bodies on /_aurora-ml/* and the
 * AWS-compatible routes). FUZZ_SEED and FUZZ_CASES explore further; `npm run
 * soak` runs the same cases with a large budget.
 */
import { describe } from 'vitest';
import { apiFuzzSuite } from './helpers/fuzz/api-suite.ts';

describe('HTTP API under fuzzed requests', () => {
  apiFuzzSuite(300);
});
