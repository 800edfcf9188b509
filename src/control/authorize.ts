/**
 * The one place every ML call is authorized before it runs: which database
 * user, which function, which endpoint or model. The control plane's gate
 * (./gate.ts) checks the switch, the parameter, the role association, IAM and
 * the database privilege in Aurora's order; it is called once per distinct
 * (user, function, resource) in each statement. allowAll is for tests of
 * other layers.
 */
import type { Caller, MlFunction } from '../ml/calls.ts';

export interface AuthorizationRequest {
  readonly user: string;
  readonly database: string;
  readonly fn: MlFunction;
  /** Endpoint name or model id; '*' for Comprehend. */
  readonly resource: string;
  readonly caller?: Caller;
}

export interface Authorizer {
  /** Throws an EmulatorError naming what to fix when the call is not allowed. */
  authorize(request: AuthorizationRequest): void;
}

export const allowAll: Authorizer = {
  authorize() {},
};
