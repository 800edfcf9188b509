/**
 * The emulated control plane's state: one AWS account's IAM (roles, their
 * inline policies, managed policies) and the emulated Aurora clusters (one
 * behind each front) with their associated roles and cluster parameters.
 * Plain JSON-serializable data: the store persists it as one document, and
 * every process in front of the same database reads the same one.
 */

/** A policy document exactly as the user sent it (IAM keeps the JSON text). */
export type PolicyText = string;

export interface IamRole {
  readonly roleName: string;
  readonly path: string;
  readonly arn: string;
  /** AROA... as IAM generates it. */
  readonly roleId: string;
  /** ISO 8601. */
  readonly createDate: string;
  readonly description?: string;
  readonly maxSessionDuration: number;
  assumeRolePolicyDocument: PolicyText;
  /** Inline policies by name. */
  readonly inlinePolicies: Record<string, PolicyText>;
  /** ARNs of the attached managed policies, in attachment order. */
  readonly attachedPolicyArns: string[];
}

export interface ManagedPolicy {
  readonly policyName: string;
  readonly path: string;
  readonly arn: string;
  /** ANPA... as IAM generates it. */
  readonly policyId: string;
  readonly createDate: string;
  updateDate: string;
  readonly description?: string;
  /** The default version's document (versions other than v1 are not emulated). */
  document: PolicyText;
}

/** Aurora's feature names for role association (PostgreSQL needs one; MySQL uses none). */
export type FeatureName = 'SageMaker' | 'Comprehend' | 'Bedrock';

export type AssociationStatus = 'PENDING' | 'ACTIVE' | 'INVALID';

export interface AssociatedRole {
  readonly roleArn: string;
  readonly featureName: FeatureName | null;
  /** When the association was made (epoch ms): PENDING turns ACTIVE after the propagation delay. */
  readonly associatedAt: number;
}

export type ApplyMethod = 'immediate' | 'pending-reboot';

export interface ParameterValue {
  /** In effect now. */
  value: string;
  /** Set with apply method pending-reboot: takes effect at the next reboot of the writer. */
  pendingValue?: string;
  /** 'user' once modified, 'engine-default' otherwise (DescribeDBClusterParameters' Source). */
  source: 'user' | 'engine-default';
}

export type Engine = 'aurora-postgresql' | 'aurora-mysql';

export interface Cluster {
  readonly identifier: string;
  readonly engine: Engine;
  readonly engineVersion: string;
  /** The writer instance (RebootDBInstance names it). */
  readonly writerInstance: string;
  readonly parameterGroupName: string;
  readonly associatedRoles: AssociatedRole[];
  /** The cluster parameters the emulator models, by name. */
  readonly parameters: Record<string, ParameterValue>;
  /** Epoch ms of the last reboot (clients connected before it were dropped). */
  lastRebootAt: number;
}

/** Aurora MySQL version 2's privileges (`GRANT INVOKE SAGEMAKER ON *.* TO u@h`), by 'user'@'host'. */
export type InvokePrivilege = 'INVOKE COMPREHEND' | 'INVOKE SAGEMAKER' | 'INVOKE BEDROCK';

export interface ControlState {
  /** Bumped on every change: caches and other processes compare it. */
  version: number;
  readonly accountId: string;
  readonly region: string;
  readonly roles: Record<string, IamRole>;
  /** Managed policies by ARN. */
  readonly policies: Record<string, ManagedPolicy>;
  /** By cluster identifier. */
  readonly clusters: Record<string, Cluster>;
  /** Version 2 privileges per cluster identifier, per grantee ('user'@'host'). */
  readonly invokePrivileges: Record<string, Record<string, InvokePrivilege[]>>;
}

/** Roles per cluster (Aurora's quota). */
export const MAX_ASSOCIATED_ROLES = 5;
