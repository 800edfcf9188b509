/**
 * What the fronts hand to the ML layer: row-level calls discovered in a
 * statement, already deduplicated by key. Dialect-independent.
 */

import type { MlFunction } from '../functions/registry.ts';
import type { BatchProgress } from './statement-trace.ts';

export type { MlFunction };

/** JSON values as the database serialised the arguments. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface MlCall {
  readonly fn: MlFunction;
  /** Cache key computed by the database; identical inputs share it. */
  readonly key: string;
  readonly args: readonly JsonValue[];
}

/** Per-statement context for evaluating calls. */
export interface EvalContext {
  readonly user: string;
  readonly database: string;
  readonly signal: AbortSignal;
  /** Epoch ms: the client's statement deadline (statement_timeout / max_execution_time), or Infinity. */
  readonly statementDeadline: number;
  /** Milliseconds each backend request may take (aurora_ml_inference_timeout). */
  readonly inferenceTimeoutMs: number;
  /** Who is calling, for the control plane's gate. */
  readonly caller?: Caller;
  /** Told of each backend request planned and done, so a long statement shows its progress. */
  readonly progress?: BatchProgress;
}

/** The database session behind a statement, as the control plane's gate needs it. */
export interface Caller {
  /** Which front (and so which emulated cluster): 'postgres' or 'mysql'. */
  readonly front: 'postgres' | 'mysql';
  /** The client's connection id (backend pid / thread id), for the last denial. */
  readonly connectionId: number;
  /** MySQL: the account the server matched, 'user'@'host' (CURRENT_USER()). */
  readonly account?: string;
  /** MySQL: the roles active in the session (information_schema.ENABLED_ROLES). */
  readonly activeRoles?: readonly string[];
  /** MySQL: the roles granted to the account (information_schema.APPLICABLE_ROLES), active from login with activate_all_roles_on_login. */
  readonly grantedRoles?: readonly string[];
}

/** The text stored in the cache for each key (null = SQL NULL result). */
export type MlResults = Map<string, string | null>;
