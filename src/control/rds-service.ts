/**
 * The emulated RDS: role association, the cluster parameters the emulator
 * models, reboots of the writer and the engine versions it knows, with RDS's
 * own error codes. Like IamService it reads the store's current state and
 * changes it only through `store.update`.
 */

import { AwsError } from '../aws-error.ts';
import { associationStatus, clusterArn } from './association-status.ts';
import { MAX_PARAMETERS_PER_CALL, type ParameterDefinition, parameterDefinitions } from './cluster-parameters.ts';
import {
  compareVersions,
  type EngineVersionInfo,
  engineVersionInfo,
  KNOWN_VERSIONS,
  supportedFeatureNames,
} from './engine-versions.ts';
import { type Cluster, type ControlState, type Engine, type FeatureName, MAX_ASSOCIATED_ROLES } from './model.ts';
import type { ClusterView, InstanceView, ParameterChange, ParameterView } from './rds-views.ts';
import type { StateStore } from './store.ts';

export type { EngineVersionInfo } from './engine-versions.ts';
export type { AssociatedRoleView, ClusterView, InstanceView, ParameterChange, ParameterView } from './rds-views.ts';

export interface RdsServiceOptions {
  /** How long a new association stays PENDING. */
  readonly propagationDelayMs: number;
  readonly now?: () => number;
}

export class RdsService {
  private readonly now: () => number;
  private readonly propagationDelayMs: number;

  constructor(
    private readonly store: StateStore,
    options: RdsServiceOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.propagationDelayMs = options.propagationDelayMs;
  }

  async addRoleToDBCluster(clusterIdentifier: string, roleArn: string, featureName?: string): Promise<void> {
    await this.store.update((state) => {
      const cluster = requireCluster(state, clusterIdentifier);
      const feature = validateFeatureName(cluster, featureName);
      if (cluster.associatedRoles.some((a) => a.roleArn === roleArn)) {
        throw new AwsError(
          'DBClusterRoleAlreadyExists',
          `Role ${roleArn} is already associated with DB cluster ${cluster.identifier}.`,
          400,
        );
      }
      const holder = feature && cluster.associatedRoles.find((a) => a.featureName === feature);
      if (holder) {
        throw new AwsError(
          'DBClusterRoleAlreadyExists',
          `Feature ${feature} of DB cluster ${cluster.identifier} already has role ${holder.roleArn}; remove it first.`,
          400,
        );
      }
      if (cluster.associatedRoles.length >= MAX_ASSOCIATED_ROLES) {
        throw new AwsError(
          'DBClusterRoleQuotaExceeded',
          `DB cluster ${cluster.identifier} already has the maximum of ${MAX_ASSOCIATED_ROLES} associated roles.`,
          400,
        );
      }
      if (!Object.values(state.roles).some((r) => r.arn === roleArn)) {
        throw new AwsError(
          'InvalidParameterValue',
          `IAM role ARN ${roleArn} does not name an existing role in this account.`,
          400,
        );
      }
      cluster.associatedRoles.push({ roleArn, featureName: feature, associatedAt: this.now() });
    });
  }

  async removeRoleFromDBCluster(clusterIdentifier: string, roleArn: string, featureName?: string): Promise<void> {
    await this.store.update((state) => {
      const cluster = requireCluster(state, clusterIdentifier);
      const index = cluster.associatedRoles.findIndex(
        (a) => a.roleArn === roleArn && (featureName === undefined || a.featureName === featureName),
      );
      if (index < 0) {
        const what = featureName === undefined ? `Role ${roleArn}` : `Role ${roleArn} with feature ${featureName}`;
        throw new AwsError('DBClusterRoleNotFound', `${what} is not associated with DB cluster ${cluster.identifier}.`, 404);
      }
      cluster.associatedRoles.splice(index, 1);
    });
  }

  /** All clusters, or the one named (DBClusterNotFoundFault if there is none). */
  describeDBClusters(clusterIdentifier?: string): ClusterView[] {
    const state = this.store.current();
    const clusters =
      clusterIdentifier === undefined
        ? Object.values(state.clusters).sort((a, b) => a.identifier.localeCompare(b.identifier))
        : [requireCluster(state, clusterIdentifier)];
    const now = this.now();
    return clusters.map((cluster) => ({
      identifier: cluster.identifier,
      arn: clusterArn(state, cluster),
      engine: cluster.engine,
      engineVersion: cluster.engineVersion,
      status: 'available',
      parameterGroupName: cluster.parameterGroupName,
      parameterGroupStatus: Object.values(cluster.parameters).some((p) => p.pendingValue !== undefined)
        ? 'pending-reboot'
        : 'in-sync',
      writerInstance: cluster.writerInstance,
      port: cluster.engine === 'aurora-postgresql' ? 5432 : 3306,
      associatedRoles: cluster.associatedRoles.map((assoc) => ({
        roleArn: assoc.roleArn,
        featureName: assoc.featureName,
        status: associationStatus(state, cluster, assoc, now, this.propagationDelayMs),
      })),
    }));
  }

  /** Returns the group's name, as the API echoes it. */
  async modifyDBClusterParameterGroup(groupName: string, changes: readonly ParameterChange[]): Promise<string> {
    checkParameterCount(changes);
    await this.store.update((state) => {
      for (const cluster of requireGroup(state, groupName)) {
        for (const change of changes) {
          const definition = requireDefinition(cluster, change.name);
          const value = change.value ?? '';
          if (!definition.valid(value)) {
            const allowed = definition.allowedValues
              ? ` (allowed: ${definition.allowedValues})`
              : ' (expected an IAM role ARN or empty)';
            throw new AwsError('InvalidParameterValue', `Invalid parameter value: ${value} for: ${change.name}${allowed}`, 400);
          }
          const method = change.applyMethod ?? 'immediate';
          if (!definition.applyMethods.includes(method)) {
            throw new AwsError(
              'InvalidParameterValue',
              `The parameter ${change.name} cannot be modified with apply method ${method}; use ${definition.applyMethods.join(' or ')}.`,
              400,
            );
          }
          const current = cluster.parameters[change.name] ?? { value: definition.defaultValue, source: 'engine-default' };
          cluster.parameters[change.name] =
            method === 'immediate' ? { value, source: 'user' } : { value: current.value, pendingValue: value, source: 'user' };
        }
      }
    });
    return groupName;
  }

  describeDBClusterParameters(groupName: string, source?: string): ParameterView[] {
    if (source !== undefined && !['engine-default', 'system', 'user'].includes(source)) {
      throw new AwsError('InvalidParameterValue', `Invalid source: ${source} (expected engine-default, system or user)`, 400);
    }
    const [cluster] = requireGroup(this.store.current(), groupName);
    if (!cluster) return [];
    return parameterDefinitions(cluster.engine)
      .map((d): ParameterView => {
        const p = cluster.parameters[d.name] ?? { value: d.defaultValue, source: 'engine-default' };
        return {
          name: d.name,
          value: p.pendingValue ?? p.value,
          source: p.source,
          applyType: d.applyType,
          dataType: d.dataType,
          ...(d.allowedValues !== undefined ? { allowedValues: d.allowedValues } : {}),
          isModifiable: true,
          applyMethod: p.pendingValue !== undefined ? 'pending-reboot' : 'immediate',
          description: d.description,
        };
      })
      .filter((p) => source === undefined || p.source === source);
  }

  /**
   * Back to engine defaults, at once: resetting never leaves a value pending
   * (our choice; the ApplyMethod of each named parameter is accepted and ignored).
   */
  async resetDBClusterParameterGroup(groupName: string, resetAll: boolean, names: readonly string[]): Promise<string> {
    if (resetAll === names.length > 0) {
      throw new AwsError(
        'InvalidParameterCombination',
        'Specify either ResetAllParameters=true or a list of parameters to reset, not both or neither.',
        400,
      );
    }
    checkParameterCount(names);
    await this.store.update((state) => {
      for (const cluster of requireGroup(state, groupName)) {
        const targets = resetAll ? parameterDefinitions(cluster.engine) : names.map((n) => requireDefinition(cluster, n));
        for (const d of targets) cluster.parameters[d.name] = { value: d.defaultValue, source: 'engine-default' };
      }
    });
    return groupName;
  }

  /** Rebooting the writer applies every pending parameter value of its cluster. */
  async rebootDBInstance(instanceIdentifier: string): Promise<InstanceView> {
    const now = this.now();
    return this.store.update((state) => {
      const cluster = Object.values(state.clusters).find((c) => c.writerInstance === instanceIdentifier);
      if (!cluster) throw new AwsError('DBInstanceNotFound', `DBInstance ${instanceIdentifier} not found.`, 404);
      for (const p of Object.values(cluster.parameters)) {
        if (p.pendingValue === undefined) continue;
        p.value = p.pendingValue;
        delete p.pendingValue;
      }
      cluster.lastRebootAt = now;
      return {
        identifier: cluster.writerInstance,
        arn: `arn:aws:rds:${state.region}:${state.accountId}:db:${cluster.writerInstance}`,
        clusterIdentifier: cluster.identifier,
        engine: cluster.engine,
        engineVersion: cluster.engineVersion,
        // The reboot itself is instantaneous; the answer says what RDS says at this moment.
        status: 'rebooting',
        instanceClass: 'db.r6g.large',
      };
    });
  }

  describeDBEngineVersions(engine?: string, engineVersion?: string): EngineVersionInfo[] {
    if (engine !== undefined && engine !== 'aurora-postgresql' && engine !== 'aurora-mysql') {
      throw new AwsError('InvalidParameterValue', `Invalid DB engine: ${engine}`, 400);
    }
    const versions = new Map<string, EngineVersionInfo>();
    const add = (e: Engine, v: string) => versions.set(`${e} ${v}`, engineVersionInfo(e, v));
    for (const e of ['aurora-mysql', 'aurora-postgresql'] as const) for (const v of KNOWN_VERSIONS[e]) add(e, v);
    for (const c of Object.values(this.store.current().clusters)) add(c.engine, c.engineVersion);
    return [...versions.values()]
      .filter((v) => engine === undefined || v.engine === engine)
      .filter(
        (v) =>
          engineVersion === undefined || v.engineVersion === engineVersion || v.engineVersion.startsWith(`${engineVersion}.`),
      )
      .sort((a, b) => a.engine.localeCompare(b.engine) || compareVersions(a.engineVersion, b.engineVersion));
  }
}

function requireCluster(state: ControlState, identifier: string): Cluster {
  // RDS identifiers are stored in lowercase and matched regardless of case.
  const cluster = state.clusters[identifier] ?? state.clusters[identifier.toLowerCase()];
  if (!cluster) throw new AwsError('DBClusterNotFoundFault', `DBCluster ${identifier} not found.`, 404);
  return cluster;
}

function requireGroup(state: ControlState, groupName: string): Cluster[] {
  const clusters = Object.values(state.clusters).filter((c) => c.parameterGroupName === groupName);
  if (clusters.length === 0) {
    throw new AwsError('DBParameterGroupNotFound', `DBClusterParameterGroup not found: ${groupName}`, 404);
  }
  return clusters;
}

function requireDefinition(cluster: Cluster, name: string): ParameterDefinition {
  const definition = parameterDefinitions(cluster.engine).find((d) => d.name === name);
  if (!definition) {
    const known = parameterDefinitions(cluster.engine)
      .map((d) => d.name)
      .join(', ');
    throw new AwsError(
      'InvalidParameterValue',
      `Could not find parameter with name: ${name} (the emulator models ${known} for ${cluster.engine})`,
      400,
    );
  }
  return definition;
}

function checkParameterCount(items: readonly unknown[]): void {
  if (items.length > MAX_PARAMETERS_PER_CALL) {
    throw new AwsError(
      'InvalidParameterValue',
      `At most ${MAX_PARAMETERS_PER_CALL} parameters can be modified in one request.`,
      400,
    );
  }
}

function validateFeatureName(cluster: Cluster, featureName: string | undefined): FeatureName | null {
  if (featureName === undefined || featureName === '') {
    return null;
  }
  const supported = supportedFeatureNames(cluster.engine, cluster.engineVersion);
  const match = supported.find((f) => f === featureName);
  if (match) return match;
  if (supported.length === 0) {
    throw new AwsError(
      'InvalidParameterValue',
      `The feature-name ${featureName} is not supported by ${cluster.engine} ${cluster.engineVersion}; omit FeatureName for Aurora MySQL.`,
      400,
    );
  }
  throw new AwsError(
    'InvalidParameterValue',
    `The feature-name ${featureName} is not supported by ${cluster.engine} ${cluster.engineVersion}; supported: ${supported.join(', ')}.`,
    400,
  );
}
