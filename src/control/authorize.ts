/**
 * The one place every ML call is authorized before it runs: which database
 * user, which function, which endpoint or model. The control-plane issue fills
 * it in (switch, parameter, role association, IAM, database privilege, in
 * Aurora's order); for now it allows everything but is already called once per
 * distinct (user, function, resource) in each statement.
 */
import type { MlFunction } from '../ml/calls.ts';

export interface AuthorizationRequest {
  readonly user: string;
  readonly database: string;
  readonly fn: MlFunction;
  /** Endpoint name or model id; '*' for Comprehend. */
  readonly resource: string;
}

export interface Authorizer {
  /** Throws an EmulatorError naming what to fix when the call is not allowed. */
  authorize(request: AuthorizationRequest): void;
}

export const allowAll: Authorizer = {
  authorize() {},
};
