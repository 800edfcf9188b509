/**
 * What RdsService answers with: clusters, their parameters and instances as
 * RDS's Describe* and Reboot* calls show them, and the parameter changes it
 * accepts. Plain shapes, apart from the service so the API layer can read
 * them without the operations.
 */
import type { ApplyMethod, AssociationStatus, Engine, FeatureName } from './model.ts';

export interface AssociatedRoleView {
  readonly roleArn: string;
  readonly featureName: FeatureName | null;
  readonly status: AssociationStatus;
}

export interface ClusterView {
  readonly identifier: string;
  readonly arn: string;
  readonly engine: Engine;
  readonly engineVersion: string;
  readonly status: 'available';
  readonly parameterGroupName: string;
  /** 'pending-reboot' while a parameter waits for the writer's reboot. */
  readonly parameterGroupStatus: 'in-sync' | 'pending-reboot';
  readonly writerInstance: string;
  readonly port: number;
  readonly associatedRoles: readonly AssociatedRoleView[];
}

export interface ParameterView {
  readonly name: string;
  /** The parameter group's value: a pending value is shown as the value, with apply method pending-reboot (as RDS does). */
  readonly value: string;
  readonly source: 'engine-default' | 'user';
  readonly applyType: 'dynamic' | 'static';
  readonly dataType: 'string' | 'boolean';
  readonly allowedValues?: string;
  readonly isModifiable: true;
  readonly applyMethod: ApplyMethod;
  readonly description: string;
}

export interface InstanceView {
  readonly identifier: string;
  readonly arn: string;
  readonly clusterIdentifier: string;
  readonly engine: Engine;
  readonly engineVersion: string;
  readonly status: 'rebooting' | 'available';
  readonly instanceClass: string;
}

export interface ParameterChange {
  readonly name: string;
  readonly value?: string;
  readonly applyMethod?: ApplyMethod;
}
