/** Seeing what happened: every backend call recorded, logged, counted and served over HTTP. */
export {
  type CallEntry,
  type CallError,
  type CallFilter,
  CallLog,
  type CallOrigin,
  type CallRecorder,
  DEFAULT_CAPACITY,
  matches,
  type NewCall,
  type Service,
} from './call-log.ts';
export { Dashboard, type FrontConnections } from './dashboard.ts';
export { CALLS_PATH, filterFrom, handleObserveRequest, METRICS_PATH, type ObserveRoutes } from './http.ts';
export { BackendMetrics, type BackendMetricsOptions } from './metrics.ts';
export { NO_LANGUAGE, type ObserveOptions, observeBackends, observeLayer } from './observed.ts';
export { Observer, type ObserverOptions } from './observer.ts';
export {
  type StatementEntry,
  StatementLog,
  type StatementOutcome,
  type StatementPhase,
} from './statements.ts';
