/** A role's policies as the IAM engine evaluates them: its inline policies, then its attached managed ones. */
import type { NamedPolicy } from '../iam/index.ts';
import type { ControlState, IamRole } from './model.ts';

export function policiesOf(state: ControlState, role: IamRole): NamedPolicy[] {
  const inline = Object.entries(role.inlinePolicies).map(([name, document]) => ({ name, kind: 'inline' as const, document }));
  const managed = role.attachedPolicyArns.flatMap((arn) => {
    const p = state.policies[arn];
    return p ? [{ name: p.policyName, kind: 'managed' as const, arn, document: p.document }] : [];
  });
  return [...inline, ...managed];
}
