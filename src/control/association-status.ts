/**
 * An associated role's status as DescribeDBClusters reports it, computed on
 * every read rather than stored: it depends on the clock (PENDING turns
 * ACTIVE once IAM's change has propagated) and on the role itself, which IAM
 * may change or delete at any time without RDS hearing of it.
 */
import { trustAdmits } from '../iam/index.ts';
import type { AssociatedRole, AssociationStatus, Cluster, ControlState } from './model.ts';

/** The principal RDS assumes associated roles as. */
export const RDS_SERVICE_PRINCIPAL = 'rds.amazonaws.com';

export function clusterArn(state: ControlState, cluster: Cluster): string {
  return `arn:aws:rds:${state.region}:${state.accountId}:cluster:${cluster.identifier}`;
}

export function associationStatus(
  state: ControlState,
  cluster: Cluster,
  assoc: AssociatedRole,
  now: number,
  propagationDelayMs: number,
): AssociationStatus {
  const role = Object.values(state.roles).find((r) => r.arn === assoc.roleArn);
  if (!role) return 'INVALID';
  // The keys AWS sets when a service assumes a role for a resource: trust
  // policies that guard against the confused deputy condition on them.
  const decision = trustAdmits(
    role.assumeRolePolicyDocument,
    { service: RDS_SERVICE_PRINCIPAL },
    { 'aws:SourceArn': clusterArn(state, cluster), 'aws:SourceAccount': state.accountId },
  );
  if (decision.effect !== 'Allow') return 'INVALID';
  return now < assoc.associatedAt + propagationDelayMs ? 'PENDING' : 'ACTIVE';
}
