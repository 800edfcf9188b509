/**
 * The gate every ML call passes, checking what real Aurora checks and in its
 * order: the emulator's `aurora_ml` switch, the cluster parameter naming the
 * service's role (MySQL), the role's association with the cluster and its
 * status, the role's IAM policies for the action on the resource, and the
 * database user's privilege. A failure names what to fix. Decisions are
 * cached per state version, so the gate costs a map lookup per call.
 */
import type { Logger } from 'pino';
import { EmulatorError } from '../errors.ts';
import { FUNCTIONS } from '../functions/registry.ts';
import { type Decision, evaluateIdentityPolicies } from '../iam/index.ts';
import type { MlFunction } from '../ml/calls.ts';
import { associationStatus } from './association-status.ts';
import type { AuthorizationRequest, Authorizer } from './authorize.ts';
import type { Cluster, ControlState, FeatureName, IamRole } from './model.ts';
import { privilegeFor } from './mysql-privileges.ts';
import { policiesOf } from './role-policies.ts';
import type { StateStore } from './store.ts';

export interface GateOptions {
  readonly store: StateStore;
  /** Which emulated cluster stands behind each front. */
  readonly clusters: { readonly postgres?: string; readonly mysql?: string };
  /** How long a new association stays PENDING. */
  readonly propagationDelayMs: number;
  /** The upstream user the emulator was configured with: the cluster's master user, who holds every ML privilege. */
  readonly masterUsers: { readonly postgres?: string; readonly mysql?: string };
  readonly log: Logger;
  readonly now?: () => number;
}

/** Why a call was refused, kept per connection for "explain a denial". */
export interface Denial {
  readonly at: number;
  readonly step: 'switch' | 'parameter' | 'association' | 'iam' | 'privilege';
  readonly fn: MlFunction;
  readonly resource: string;
  readonly message: string;
}

interface CachedDecision {
  readonly error: EmulatorError | null;
  readonly step?: Denial['step'];
  /** Epoch ms after which the decision must be made again (a PENDING association turning ACTIVE). */
  readonly validUntil: number;
}

/** Aurora MySQL's cluster parameter naming each service's role. */
export const ROLE_PARAMETER: Readonly<Record<FeatureName, string>> = {
  Comprehend: 'aws_default_comprehend_role',
  SageMaker: 'aws_default_sagemaker_role',
  Bedrock: 'aws_default_bedrock_role',
};

export class ControlGate implements Authorizer {
  private cache = new Map<string, CachedDecision>();
  private cachedVersion = -1;
  private readonly denials = new Map<string, Denial>();
  private readonly now: () => number;

  constructor(private readonly options: GateOptions) {
    this.now = options.now ?? Date.now;
  }

  authorize(request: AuthorizationRequest): void {
    const state = this.options.store.current();
    if (state.version !== this.cachedVersion) {
      this.cache = new Map();
      this.cachedVersion = state.version;
    }
    const front = request.caller?.front ?? 'postgres';
    const key = [
      front,
      request.fn,
      request.resource,
      request.user,
      request.caller?.account ?? '',
      request.caller?.activeRoles?.join(',') ?? '',
    ].join('\u0000');
    const now = this.now();
    let decision = this.cache.get(key);
    if (decision === undefined || decision.validUntil <= now) {
      decision = this.decide(state, request, now);
      this.cache.set(key, decision);
    }
    if (decision.error === null) return;
    const denial: Denial = {
      at: now,
      step: decision.step ?? 'iam',
      fn: request.fn,
      resource: request.resource,
      message: decision.error.message,
    };
    this.denials.set(`${front}:${request.caller?.connectionId ?? 0}`, denial);
    this.options.log.info({ front, user: request.user, ...denial }, 'ML call denied');
    throw decision.error;
  }

  /** The last call refused on a connection of a front, or undefined. */
  lastDenial(front: 'postgres' | 'mysql', connectionId: number): Denial | undefined {
    return this.denials.get(`${front}:${connectionId}`);
  }

  /**
   * Forgets a connection's last denial. The composition root calls it when a
   * session ends and (PostgreSQL) before one starts: connection ids are reused
   * (backend pids; COM_CHANGE_USER keeps the id), and a denial belongs to one session.
   */
  forget(front: 'postgres' | 'mysql', connectionId: number): void {
    this.denials.delete(`${front}:${connectionId}`);
  }

  private decide(state: ControlState, request: AuthorizationRequest, now: number): CachedDecision {
    const front = request.caller?.front ?? 'postgres';
    const identifier = this.options.clusters[front];
    const cluster = identifier === undefined ? undefined : state.clusters[identifier];
    if (cluster === undefined) return { error: null, validUntil: Number.POSITIVE_INFINITY };
    const service = FUNCTIONS[request.fn].feature;
    const fail = (step: Denial['step'], error: EmulatorError, validUntil = Number.POSITIVE_INFINITY): CachedDecision => ({
      error,
      step,
      validUntil,
    });

    // 1. The emulator's switch.
    if (cluster.parameters.aurora_ml?.value === '0') {
      return fail(
        'switch',
        new EmulatorError(
          'MlDisabled',
          `Aurora machine learning is turned off on cluster ${cluster.identifier}: its parameter aurora_ml is 0`,
          {
            hint: `Turn it on: ${cliHint.setParameter(cluster.parameterGroupName, 'aurora_ml', '1', 'immediate')}`,
          },
        ),
      );
    }

    // 2 and 3. The role: named by the parameter (MySQL) or by the association's feature (PostgreSQL).
    const role = this.roleFor(state, cluster, service, now);
    if ('error' in role) return fail(role.step, role.error, role.validUntil);

    // 4. IAM: every action the call needs, on the resource's ARN.
    const resourceArn = arnOf(state, service, request.resource);
    for (const action of FUNCTIONS[request.fn].actions) {
      const decision = evaluateIdentityPolicies(policiesOf(state, role.role), {
        action,
        resource: resourceArn,
        keys: {
          'aws:RequestedRegion': state.region,
          'aws:PrincipalArn': role.role.arn,
          'aws:PrincipalAccount': state.accountId,
          'aws:CurrentTime': new Date(now).toISOString(),
          'aws:SecureTransport': 'true',
        },
      });
      if (decision.effect !== 'Allow') {
        return fail('iam', new EmulatorError('MlAccessDenied', iamDenial(decision, role.role, action, resourceArn)));
      }
    }

    // 5. The database user's privilege (MySQL; PostgreSQL's EXECUTE grants are the server's own).
    if (front === 'mysql' && request.caller !== undefined && request.user !== this.options.masterUsers.mysql) {
      const missing = privilegeFor(state, cluster, service, request.caller);
      if (missing !== null) {
        return fail(
          'privilege',
          new EmulatorError(
            'PermissionDenied',
            `Access denied; you need (at least one of) the ${missing.privilege} privilege(s) for this operation`,
            {
              hint: missing.hint,
            },
          ),
        );
      }
    }
    return { error: null, validUntil: role.validUntil };
  }

  private roleFor(
    state: ControlState,
    cluster: Cluster,
    service: FeatureName,
    now: number,
  ):
    | { readonly role: IamRole; readonly validUntil: number }
    | { readonly error: EmulatorError; readonly step: Denial['step']; readonly validUntil: number } {
    const delay = this.options.propagationDelayMs;
    const notConfigured = (step: Denial['step'], message: string, hint: string, validUntil = Number.POSITIVE_INFINITY) => ({
      error: new EmulatorError('MlRoleNotConfigured', message, { hint }),
      step,
      validUntil,
    });
    let candidates = cluster.associatedRoles;
    if (cluster.engine === 'aurora-mysql') {
      const parameter = ROLE_PARAMETER[service];
      const arn = cluster.parameters[parameter]?.value ?? '';
      if (arn === '') {
        return notConfigured(
          'parameter',
          `No IAM role is set for ${service} on cluster ${cluster.identifier}: its parameter ${parameter} is empty`,
          `${cliHint.setParameter(cluster.parameterGroupName, parameter, '<role ARN>', 'pending-reboot')} then ${cliHint.reboot(cluster.writerInstance)}`,
        );
      }
      candidates = candidates.filter((a) => a.roleArn === arn);
      if (candidates.length === 0) {
        return notConfigured(
          'association',
          `The role ${arn} named by ${parameter} is not associated with cluster ${cluster.identifier}`,
          cliHint.addRole(cluster.identifier, arn),
        );
      }
    } else {
      candidates = candidates.filter((a) => a.featureName === service);
      if (candidates.length === 0) {
        return notConfigured(
          'association',
          `No IAM role is associated with cluster ${cluster.identifier} for the feature ${service}`,
          cliHint.addRole(cluster.identifier, '<role ARN>', service),
        );
      }
    }
    const statuses = candidates.map((a) => ({ a, status: associationStatus(state, cluster, a, now, delay) }));
    const active = statuses.find((s) => s.status === 'ACTIVE');
    const role = active && Object.values(state.roles).find((r) => r.arn === active.a.roleArn);
    if (active && role) return { role, validUntil: Number.POSITIVE_INFINITY };
    const pending = statuses.find((s) => s.status === 'PENDING');
    if (pending) {
      return notConfigured(
        'association',
        `The role ${pending.a.roleArn} is still being associated with cluster ${cluster.identifier} (status PENDING)`,
        `Wait until ${cliHint.describe(cluster.identifier)} shows it ACTIVE`,
        pending.a.associatedAt + delay,
      );
    }
    const arn = statuses[0]?.a.roleArn ?? '';
    return notConfigured(
      'association',
      `Cluster ${cluster.identifier} cannot assume the role ${arn} (status INVALID): the role is gone or its trust policy does not allow rds.amazonaws.com`,
      cliHint.trustRds(arn),
    );
  }
}

/** The ARN IAM evaluates: '*' for Comprehend, the endpoint or foundation model otherwise. */
function arnOf(state: ControlState, service: FeatureName, resource: string): string {
  if (service === 'SageMaker') return `arn:aws:sagemaker:${state.region}:${state.accountId}:endpoint/${resource.toLowerCase()}`;
  if (service === 'Bedrock') {
    return resource.startsWith('arn:') ? resource : `arn:aws:bedrock:${state.region}::foundation-model/${resource}`;
  }
  return '*';
}

function iamDenial(decision: Decision, role: IamRole, action: string, resource: string): string {
  const what = `${action} on ${resource}`;
  if (decision.effect === 'ExplicitDeny') {
    const s = decision.statement;
    const statement = s.sid ? `statement "${s.sid}"` : `statement ${s.index + 1}`;
    return `The role ${role.arn} is not allowed ${what}: ${statement} of policy ${s.policyArn ?? s.policy} denies it`;
  }
  return `The role ${role.arn} is not allowed ${what}: no policy of the role allows it`;
}

/**
 * Hints a user can run: AWS CLI commands against the emulator's API (add
 * `--endpoint-url` with the API address the start-up banner prints), rather
 * than API action names.
 */
const cliHint = {
  setParameter: (group: string, name: string, value: string, apply: 'immediate' | 'pending-reboot') =>
    `aws rds modify-db-cluster-parameter-group --db-cluster-parameter-group-name ${group} --parameters ParameterName=${name},ParameterValue=${value},ApplyMethod=${apply}`,
  reboot: (instance: string) => `aws rds reboot-db-instance --db-instance-identifier ${instance}`,
  addRole: (cluster: string, roleArn: string, feature?: FeatureName) =>
    `aws rds add-role-to-db-cluster --db-cluster-identifier ${cluster}${feature === undefined ? '' : ` --feature-name ${feature}`} --role-arn ${roleArn}`,
  describe: (cluster: string) => `aws rds describe-db-clusters --db-cluster-identifier ${cluster}`,
  trustRds: (roleArn: string) =>
    `Let RDS assume the role: aws iam update-assume-role-policy --role-name ${roleArn.split('/').pop() ?? roleArn} --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"rds.amazonaws.com"},"Action":"sts:AssumeRole"}]}'`,
};
