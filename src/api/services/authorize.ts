/**
 * IAM for callers of the ML service APIs. A configured credential may name
 * an IAM role of the emulated account: its calls are then evaluated against
 * that role's identity policies (inline, then attached managed ones) as the
 * control plane's store holds them now. A credential without a role, or no
 * credentials configured at all, is allowed everything, as an account's
 * administrator would be.
 */
import { AwsError } from '../../aws-error.ts';
import type { ControlState, IamRole } from '../../control/model.ts';
import { policiesOf } from '../../control/role-policies.ts';
import { type Decision, evaluateIdentityPolicies } from '../../iam/index.ts';
import type { Authorize } from './types.ts';

const allowAll: Authorize = () => {};

function roleNamed(state: ControlState, roleName: string): IamRole | undefined {
  const exact = state.roles[roleName];
  if (exact) return exact;
  // IAM role names are unique regardless of case.
  const lower = roleName.toLowerCase();
  return Object.values(state.roles).find((r) => r.roleName.toLowerCase() === lower);
}

/** AWS's wording, with the deciding policy and statement named so the fix is obvious. */
function denial(decision: Decision, principal: string, action: string, resource: string): string {
  const head = `User: ${principal} is not authorized to perform: ${action} on resource: ${resource}`;
  if (decision.effect === 'ExplicitDeny') {
    const s = decision.statement;
    const statement = s.sid ? `statement "${s.sid}"` : `statement ${s.index + 1}`;
    return `${head} with an explicit deny in an identity-based policy: ${statement} of ${s.policyArn ?? s.policy}`;
  }
  return `${head} because no identity-based policy allows the ${action} action`;
}

/** The Authorize for one request; `roleName` undefined allows everything. The API is plain HTTP, hence aws:SecureTransport false. */
export function authorizerFor(state: ControlState, roleName: string | undefined, accessKeyId: string): Authorize {
  if (roleName === undefined) return allowAll;
  const role = roleNamed(state, roleName);
  const principal = role
    ? `arn:aws:sts::${state.accountId}:assumed-role/${role.roleName}/${accessKeyId}`
    : `arn:aws:iam::${state.accountId}:role/${roleName}`;
  return (action, resource) => {
    if (!role) {
      throw new AwsError('AccessDeniedException', `${principal} is not authorized: the role ${roleName} does not exist`, 403);
    }
    const decision = evaluateIdentityPolicies(policiesOf(state, role), {
      action,
      resource,
      keys: {
        'aws:RequestedRegion': state.region,
        'aws:PrincipalArn': role.arn,
        'aws:PrincipalAccount': state.accountId,
        'aws:CurrentTime': new Date().toISOString(),
        'aws:SecureTransport': 'false',
      },
    });
    if (decision.effect !== 'Allow') {
      throw new AwsError('AccessDeniedException', denial(decision, principal, action, resource), 403);
    }
  };
}
