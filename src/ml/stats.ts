/**
 * Counters with the meanings of Aurora MySQL's Aurora_ml_* status variables,
 * kept for both fronts. Ours where AWS is vague: logical = one per row-level
 * call, actual = requests sent to a backend, cache hit = a call answered by an
 * identical input already answered in the same statement.
 */
export class MlStats {
  logicalRequests = 0;
  logicalResponses = 0;
  actualRequests = 0;
  actualResponses = 0;
  cacheHits = 0;
  retries = 0;
  singleRequests = 0;

  reset(): void {
    this.logicalRequests = 0;
    this.logicalResponses = 0;
    this.actualRequests = 0;
    this.actualResponses = 0;
    this.cacheHits = 0;
    this.retries = 0;
    this.singleRequests = 0;
  }
}
