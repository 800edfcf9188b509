/**
 * The engine versions the emulated RDS knows: their parameter group family
 * and the feature names AddRoleToDBCluster accepts (Bedrock arrives with
 * aws_ml 2.0), and the order DescribeDBEngineVersions lists them in.
 */
import type { Engine, FeatureName } from './model.ts';

/** Which aws_ml the emulated engine version installs: 2.0 from 14.10, 15.5 and 16 on; 1.0 (no Bedrock) before. */
export function awsMlVersionFor(engineVersion: string): '1.0' | '2.0' {
  const [majorText, minorText] = engineVersion.split('.');
  const major = Number(majorText);
  const minor = Number(minorText ?? '0');
  if (major >= 16) return '2.0';
  if (major === 15) return minor >= 5 ? '2.0' : '1.0';
  if (major === 14) return minor >= 10 ? '2.0' : '1.0';
  return '1.0';
}

export interface EngineVersionInfo {
  readonly engine: Engine;
  readonly engineVersion: string;
  readonly parameterGroupFamily: string;
  readonly supportedFeatureNames: readonly FeatureName[];
}

/** Versions DescribeDBEngineVersions lists besides the ones the clusters run. */
export const KNOWN_VERSIONS: Readonly<Record<Engine, readonly string[]>> = {
  'aurora-postgresql': ['13.16', '14.9', '14.13', '15.4', '15.8', '16.6', '17.4'],
  'aurora-mysql': ['5.7.mysql_aurora.2.12.4', '8.0.mysql_aurora.3.05.2', '8.0.mysql_aurora.3.08.0'],
};

/** Feature names AddRoleToDBCluster accepts (Aurora MySQL: none): Bedrock arrives with aws_ml 2.0. */
export function supportedFeatureNames(engine: Engine, engineVersion: string): FeatureName[] {
  if (engine === 'aurora-mysql') return [];
  return awsMlVersionFor(engineVersion) === '2.0' ? ['Comprehend', 'SageMaker', 'Bedrock'] : ['Comprehend', 'SageMaker'];
}

export function engineVersionInfo(engine: Engine, engineVersion: string): EngineVersionInfo {
  const family =
    engine === 'aurora-postgresql'
      ? `aurora-postgresql${engineVersion.split('.')[0] ?? ''}`
      : engineVersion.startsWith('5.7')
        ? 'aurora-mysql5.7'
        : 'aurora-mysql8.0';
  return {
    engine,
    engineVersion,
    parameterGroupFamily: family,
    supportedFeatureNames: supportedFeatureNames(engine, engineVersion),
  };
}

/** Numeric where both parts are numbers ('3.08.0' after '3.5.2'), text otherwise. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[._]/);
  const pb = b.split(/[._]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    const nx = Number(x);
    const ny = Number(y);
    const d = Number.isNaN(nx) || Number.isNaN(ny) ? x.localeCompare(y) : nx - ny;
    if (d !== 0) return d;
  }
  return 0;
}
