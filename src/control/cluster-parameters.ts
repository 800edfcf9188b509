/**
 * The cluster parameters the emulator models (the aws_default_*_role ARNs,
 * activate_all_roles_on_login, the emulator's aurora_ml switch): their
 * engines, defaults, allowed values and apply methods.
 */
import type { ApplyMethod, Engine, ParameterValue } from './model.ts';

export interface ParameterDefinition {
  readonly name: string;
  readonly engines: readonly Engine[];
  readonly defaultValue: string;
  readonly applyType: 'dynamic' | 'static';
  readonly dataType: 'string' | 'boolean';
  readonly allowedValues?: string;
  readonly applyMethods: readonly ApplyMethod[];
  readonly description: string;
  readonly valid: (value: string) => boolean;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\u0021-\u007e]+$/;
const roleParameter = (service: string): ParameterDefinition => ({
  name: `aws_default_${service.toLowerCase()}_role`,
  engines: ['aurora-mysql'],
  defaultValue: '',
  // Aurora MySQL applies these at the writer's next reboot; we accept
  // 'immediate' too, so they are dynamic in DescribeDBClusterParameters' terms.
  applyType: 'dynamic',
  dataType: 'string',
  applyMethods: ['pending-reboot', 'immediate'],
  description: `IAM role ARN used for ${service} calls from SQL when none is given (empty: unset)`,
  valid: (value) => value === '' || ROLE_ARN.test(value),
});

/** The cluster parameters the emulator models, in the order DescribeDBClusterParameters lists them. */
export const PARAMETER_DEFINITIONS: readonly ParameterDefinition[] = [
  {
    name: 'aurora_ml',
    engines: ['aurora-postgresql', 'aurora-mysql'],
    defaultValue: '1',
    applyType: 'dynamic',
    dataType: 'boolean',
    allowedValues: '0,1',
    // The seed's switch; real Aurora has none (role associations enable ML): it changes at once.
    applyMethods: ['immediate'],
    description: 'Emulator switch: 0 makes every machine learning call fail',
    valid: (value) => value === '0' || value === '1',
  },
  {
    // A MySQL 8 system variable, and an Aurora MySQL 3 cluster parameter: with it on, every role granted
    // to a user is active from login, so GRANT AWS_SAGEMAKER_ACCESS works without SET ROLE.
    name: 'activate_all_roles_on_login',
    engines: ['aurora-mysql'],
    defaultValue: '0',
    applyType: 'dynamic',
    dataType: 'boolean',
    allowedValues: '0,1',
    applyMethods: ['immediate', 'pending-reboot'],
    description: 'Automatically set all granted roles as active after the user has authenticated successfully',
    valid: (value) => value === '0' || value === '1',
  },
  roleParameter('Bedrock'),
  roleParameter('Comprehend'),
  roleParameter('SageMaker'),
];

export function parameterDefinitions(engine: Engine): ParameterDefinition[] {
  return PARAMETER_DEFINITIONS.filter((d) => d.engines.includes(engine));
}

/** Every modelled parameter of the engine at its engine default. */
export function defaultParameters(engine: Engine): Record<string, ParameterValue> {
  const out: Record<string, ParameterValue> = {};
  for (const d of parameterDefinitions(engine)) out[d.name] = { value: d.defaultValue, source: 'engine-default' };
  return out;
}

/** AWS's limit on parameters per ModifyDBClusterParameterGroup/Reset call. */
export const MAX_PARAMETERS_PER_CALL = 20;
