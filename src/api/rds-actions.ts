/** RDS's Query API (version 2014-10-31) over RdsService: parameters in, RDS's XML shapes out. */
import { AwsError } from '../aws-error.ts';
import type { ApplyMethod } from '../control/model.ts';
import type {
  ClusterView,
  EngineVersionInfo,
  InstanceView,
  ParameterChange,
  ParameterView,
  RdsService,
} from '../control/rds-service.ts';
import type { QueryParams } from './query.ts';
import type { ActionHandler, ApiService } from './service.ts';
import { type XmlFields, xmlList } from './xml.ts';

export type RdsAction =
  | 'AddRoleToDBCluster'
  | 'RemoveRoleFromDBCluster'
  | 'DescribeDBClusters'
  | 'ModifyDBClusterParameterGroup'
  | 'DescribeDBClusterParameters'
  | 'ResetDBClusterParameterGroup'
  | 'RebootDBInstance'
  | 'DescribeDBEngineVersions';

const parameterErrors = {
  missing: (name: string) => new AwsError('MissingParameter', `The request must contain the parameter ${name}`),
  invalid: (name: string, value: string, expected: string) =>
    new AwsError('InvalidParameterValue', `Invalid value ${value} for parameter ${name}: expected ${expected}`),
};

function clusterXml(c: ClusterView): XmlFields {
  return {
    DBClusterIdentifier: c.identifier,
    DBClusterArn: c.arn,
    DBClusterParameterGroup: c.parameterGroupName,
    Status: c.status,
    Engine: c.engine,
    EngineVersion: c.engineVersion,
    EngineMode: 'provisioned',
    Port: c.port,
    MultiAZ: false,
    DBClusterMembers: xmlList('DBClusterMember', [
      {
        DBInstanceIdentifier: c.writerInstance,
        IsClusterWriter: true,
        DBClusterParameterGroupStatus: c.parameterGroupStatus,
        PromotionTier: 1,
      },
    ]),
    AssociatedRoles: xmlList(
      'DBClusterRole',
      c.associatedRoles.map((r) => ({ RoleArn: r.roleArn, Status: r.status, FeatureName: r.featureName })),
    ),
  };
}

function parameterXml(p: ParameterView): XmlFields {
  return {
    ParameterName: p.name,
    ParameterValue: p.value,
    Description: p.description,
    Source: p.source,
    ApplyType: p.applyType,
    DataType: p.dataType,
    AllowedValues: p.allowedValues,
    IsModifiable: p.isModifiable,
    ApplyMethod: p.applyMethod,
  };
}

function instanceXml(i: InstanceView): XmlFields {
  return {
    DBInstanceIdentifier: i.identifier,
    DBInstanceClass: i.instanceClass,
    Engine: i.engine,
    DBInstanceStatus: i.status,
    EngineVersion: i.engineVersion,
    DBClusterIdentifier: i.clusterIdentifier,
    DBInstanceArn: i.arn,
  };
}

function engineVersionXml(v: EngineVersionInfo): XmlFields {
  return {
    Engine: v.engine,
    EngineVersion: v.engineVersion,
    DBParameterGroupFamily: v.parameterGroupFamily,
    DBEngineDescription: v.engine === 'aurora-postgresql' ? 'Aurora (PostgreSQL)' : 'Aurora MySQL',
    DBEngineVersionDescription: `${v.engine === 'aurora-postgresql' ? 'Aurora PostgreSQL' : 'Aurora MySQL'} ${v.engineVersion} (emulated)`,
    SupportedFeatureNames: xmlList('member', v.supportedFeatureNames),
    Status: 'available',
  };
}

function applyMethod(p: QueryParams): ApplyMethod | undefined {
  const value = p.optional('ApplyMethod');
  if (value === undefined || value === 'immediate' || value === 'pending-reboot') return value;
  throw parameterErrors.invalid('ApplyMethod', value, 'immediate or pending-reboot');
}

function parameterChanges(p: QueryParams): ParameterChange[] {
  return p.structures('Parameters', 'Parameter').map((s) => {
    const value = s.optional('ParameterValue');
    const method = applyMethod(s);
    return {
      name: s.required('ParameterName'),
      ...(value !== undefined ? { value } : {}),
      ...(method !== undefined ? { applyMethod: method } : {}),
    };
  });
}

export function rdsApi(rds: RdsService): ApiService {
  const actions: Record<RdsAction, ActionHandler> = {
    AddRoleToDBCluster: async (p) => {
      await rds.addRoleToDBCluster(p.required('DBClusterIdentifier'), p.required('RoleArn'), p.optional('FeatureName'));
      return undefined;
    },
    RemoveRoleFromDBCluster: async (p) => {
      await rds.removeRoleFromDBCluster(p.required('DBClusterIdentifier'), p.required('RoleArn'), p.optional('FeatureName'));
      return undefined;
    },
    DescribeDBClusters: (p) => ({
      DBClusters: xmlList('DBCluster', rds.describeDBClusters(p.optional('DBClusterIdentifier')).map(clusterXml)),
    }),
    ModifyDBClusterParameterGroup: async (p) => {
      const name = p.required('DBClusterParameterGroupName');
      const changes = parameterChanges(p);
      if (changes.length === 0) throw parameterErrors.missing('Parameters');
      return { DBClusterParameterGroupName: await rds.modifyDBClusterParameterGroup(name, changes) };
    },
    DescribeDBClusterParameters: (p) => ({
      Parameters: xmlList(
        'Parameter',
        rds.describeDBClusterParameters(p.required('DBClusterParameterGroupName'), p.optional('Source')).map(parameterXml),
      ),
    }),
    ResetDBClusterParameterGroup: async (p) => {
      const name = p.required('DBClusterParameterGroupName');
      const names = parameterChanges(p).map((c) => c.name);
      return {
        DBClusterParameterGroupName: await rds.resetDBClusterParameterGroup(name, p.bool('ResetAllParameters') ?? false, names),
      };
    },
    RebootDBInstance: async (p) => ({ DBInstance: instanceXml(await rds.rebootDBInstance(p.required('DBInstanceIdentifier'))) }),
    DescribeDBEngineVersions: (p) => ({
      DBEngineVersions: xmlList(
        'DBEngineVersion',
        rds.describeDBEngineVersions(p.optional('Engine'), p.optional('EngineVersion')).map(engineVersionXml),
      ),
    }),
  };
  return {
    signingName: 'rds',
    version: '2014-10-31',
    namespace: 'http://rds.amazonaws.com/doc/2014-10-31/',
    parameterErrors,
    actions,
  };
}
