/**
 * The emulated IAM: roles, their inline policies and trust policies, managed
 * policies and their attachments, with IAM's own validation and error codes.
 * Reads come from the store's current state; every change goes through
 * `store.update`, and every check that depends on other state is repeated
 * inside the mutation so that a concurrent change in another process cannot
 * slip past it.
 */
import { randomInt } from 'node:crypto';
import { AwsError } from '../aws-error.ts';
import { checkPolicySize, parsePolicyDocument } from '../iam/index.ts';
import { compareNames, type Page, type PageRequest, paginate } from './iam-paging.ts';
import {
  validateDescription,
  validateName,
  validatePath,
  validatePathPrefix,
  validatePolicyArn,
  validateTrustPolicy,
  validation,
} from './iam-validation.ts';
import type { ControlState, IamRole, ManagedPolicy } from './model.ts';
import type { StateStore } from './store.ts';

export type { Page, PageRequest } from './iam-paging.ts';

/** IAM's quota of managed policies attached to one role. */
export const MAX_ATTACHED_POLICIES_PER_ROLE = 10;

export interface CreateRoleInput {
  readonly roleName: string;
  readonly path?: string;
  readonly assumeRolePolicyDocument: string;
  readonly description?: string;
  readonly maxSessionDuration?: number;
}

export interface CreatePolicyInput {
  readonly policyName: string;
  readonly path?: string;
  readonly policyDocument: string;
  readonly description?: string;
}

export interface AttachedPolicy {
  readonly policyName: string;
  readonly policyArn: string;
}

export interface RolePolicy {
  readonly roleName: string;
  readonly policyName: string;
  readonly policyDocument: string;
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export class IamService {
  constructor(
    private readonly store: StateStore,
    private readonly now: () => number = Date.now,
  ) {}

  async createRole(input: CreateRoleInput): Promise<IamRole> {
    validateName('roleName', input.roleName, 64);
    const path = validatePath(input.path);
    validateDescription(input.description);
    const maxSessionDuration = input.maxSessionDuration ?? 3600;
    if (!Number.isInteger(maxSessionDuration) || maxSessionDuration < 3600 || maxSessionDuration > 43200) {
      throw validation('maxSessionDuration', 'Member must have value between 3600 and 43200');
    }
    validateTrustPolicy(input.assumeRolePolicyDocument);
    return this.store.update((state) => {
      if (findRole(state, input.roleName)) {
        throw new AwsError('EntityAlreadyExists', `Role with name ${input.roleName} already exists.`, 409);
      }
      const role: IamRole = {
        roleName: input.roleName,
        path,
        arn: `arn:aws:iam::${state.accountId}:role${path}${input.roleName}`,
        roleId: generateId('AROA'),
        createDate: isoSeconds(this.now()),
        ...(input.description !== undefined ? { description: input.description } : {}),
        maxSessionDuration,
        assumeRolePolicyDocument: input.assumeRolePolicyDocument,
        inlinePolicies: {},
        attachedPolicyArns: [],
      };
      state.roles[role.roleName] = role;
      return role;
    });
  }

  getRole(roleName: string): IamRole {
    validateName('roleName', roleName, 64);
    return requireRole(this.store.current(), roleName);
  }

  /** IAM refuses while policies remain; it knows nothing of RDS, so an associated role can be deleted (and turns INVALID there). */
  async deleteRole(roleName: string): Promise<void> {
    validateName('roleName', roleName, 64);
    await this.store.update((state) => {
      const role = requireRole(state, roleName);
      if (Object.keys(role.inlinePolicies).length > 0) {
        throw new AwsError('DeleteConflict', 'Cannot delete entity, must delete policies first.', 409);
      }
      if (role.attachedPolicyArns.length > 0) {
        throw new AwsError('DeleteConflict', 'Cannot delete entity, must detach all policies first.', 409);
      }
      delete state.roles[role.roleName];
    });
  }

  async updateAssumeRolePolicy(roleName: string, policyDocument: string): Promise<void> {
    validateName('roleName', roleName, 64);
    validateTrustPolicy(policyDocument);
    await this.store.update((state) => {
      requireRole(state, roleName).assumeRolePolicyDocument = policyDocument;
    });
  }

  async putRolePolicy(roleName: string, policyName: string, policyDocument: string): Promise<void> {
    validateName('roleName', roleName, 64);
    validateName('policyName', policyName, 128);
    checkPolicySize(policyDocument, 'inline', roleName);
    parsePolicyDocument(policyDocument, 'identity');
    await this.store.update((state) => {
      const role = requireRole(state, roleName);
      // IAM's inline quota counts all of a role's inline policies together.
      const others = Object.entries(role.inlinePolicies).filter(([name]) => name !== policyName);
      checkPolicySize([...others.map(([, text]) => text), policyDocument].join(''), 'inline', role.roleName);
      role.inlinePolicies[policyName] = policyDocument;
    });
  }

  getRolePolicy(roleName: string, policyName: string): RolePolicy {
    validateName('roleName', roleName, 64);
    validateName('policyName', policyName, 128);
    const role = requireRole(this.store.current(), roleName);
    const policyDocument = role.inlinePolicies[policyName];
    if (policyDocument === undefined) {
      throw new AwsError('NoSuchEntity', `The role policy with name ${policyName} cannot be found.`, 404);
    }
    return { roleName: role.roleName, policyName, policyDocument };
  }

  listRolePolicies(roleName: string, page: PageRequest = {}): Page<string> {
    validateName('roleName', roleName, 64);
    const role = requireRole(this.store.current(), roleName);
    return paginate(Object.keys(role.inlinePolicies).sort(), page, (name) => name);
  }

  async deleteRolePolicy(roleName: string, policyName: string): Promise<void> {
    validateName('roleName', roleName, 64);
    validateName('policyName', policyName, 128);
    await this.store.update((state) => {
      const role = requireRole(state, roleName);
      if (role.inlinePolicies[policyName] === undefined) {
        throw new AwsError('NoSuchEntity', `The role policy with name ${policyName} cannot be found.`, 404);
      }
      delete role.inlinePolicies[policyName];
    });
  }

  async createPolicy(input: CreatePolicyInput): Promise<ManagedPolicy> {
    validateName('policyName', input.policyName, 128);
    const path = validatePath(input.path);
    validateDescription(input.description);
    checkPolicySize(input.policyDocument, 'managed');
    parsePolicyDocument(input.policyDocument, 'identity');
    return this.store.update((state) => {
      const arn = `arn:aws:iam::${state.accountId}:policy${path}${input.policyName}`;
      const clash = Object.values(state.policies).some(
        (p) =>
          p.arn.startsWith(`arn:aws:iam::${state.accountId}:`) && p.policyName.toLowerCase() === input.policyName.toLowerCase(),
      );
      if (clash) {
        throw new AwsError(
          'EntityAlreadyExists',
          `A policy called ${input.policyName} already exists. Duplicate names are not allowed.`,
          409,
        );
      }
      const created = isoSeconds(this.now());
      const policy: ManagedPolicy = {
        policyName: input.policyName,
        path,
        arn,
        policyId: generateId('ANPA'),
        createDate: created,
        updateDate: created,
        ...(input.description !== undefined ? { description: input.description } : {}),
        document: input.policyDocument,
      };
      state.policies[arn] = policy;
      return policy;
    });
  }

  /** How many roles have the policy attached (IAM's AttachmentCount; users and groups are not emulated). */
  attachmentCount(policyArn: string): number {
    return Object.values(this.store.current().roles).filter((r) => r.attachedPolicyArns.includes(policyArn)).length;
  }

  /** Attaching twice is not an error in IAM: the second call changes nothing. */
  async attachRolePolicy(roleName: string, policyArn: string): Promise<void> {
    validateName('roleName', roleName, 64);
    validatePolicyArn(policyArn);
    await this.store.update((state) => {
      const role = requireRole(state, roleName);
      if (!state.policies[policyArn]) {
        throw new AwsError('NoSuchEntity', `Policy ${policyArn} does not exist or is not attachable.`, 404);
      }
      if (role.attachedPolicyArns.includes(policyArn)) return;
      if (role.attachedPolicyArns.length >= MAX_ATTACHED_POLICIES_PER_ROLE) {
        throw new AwsError('LimitExceeded', `Cannot exceed quota for PoliciesPerRole: ${MAX_ATTACHED_POLICIES_PER_ROLE}`, 409);
      }
      role.attachedPolicyArns.push(policyArn);
    });
  }

  async detachRolePolicy(roleName: string, policyArn: string): Promise<void> {
    validateName('roleName', roleName, 64);
    validatePolicyArn(policyArn);
    await this.store.update((state) => {
      const role = requireRole(state, roleName);
      const index = role.attachedPolicyArns.indexOf(policyArn);
      if (index < 0) throw new AwsError('NoSuchEntity', `Policy ${policyArn} was not found.`, 404);
      role.attachedPolicyArns.splice(index, 1);
    });
  }

  /** Sorted by name, as IAM lists them. */
  listRoles(page: PageRequest = {}): Page<IamRole> {
    const prefix = validatePathPrefix(page.pathPrefix);
    const roles = Object.values(this.store.current().roles)
      .filter((r) => r.path.startsWith(prefix))
      .sort((a, b) => compareNames(a.roleName, b.roleName));
    return paginate(roles, page, (r) => r.roleName);
  }

  listAttachedRolePolicies(roleName: string, page: PageRequest = {}): Page<AttachedPolicy> {
    validateName('roleName', roleName, 64);
    const prefix = validatePathPrefix(page.pathPrefix);
    const state = this.store.current();
    const role = requireRole(state, roleName);
    const attached = role.attachedPolicyArns
      .map((arn) => state.policies[arn])
      .filter((p): p is ManagedPolicy => p?.path.startsWith(prefix) === true)
      .map((p) => ({ policyName: p.policyName, policyArn: p.arn }));
    return paginate(attached, page, (p) => p.policyArn);
  }
}

/** IAM names are unique regardless of case, and found regardless of case. */
export function findRole(state: ControlState, roleName: string): IamRole | undefined {
  const exact = state.roles[roleName];
  if (exact) return exact;
  const lower = roleName.toLowerCase();
  return Object.values(state.roles).find((r) => r.roleName.toLowerCase() === lower);
}

/** The role an ARN names, compared exactly as RDS compares the RoleArn it is given. */
export function roleByArn(state: ControlState, roleArn: string): IamRole | undefined {
  return Object.values(state.roles).find((r) => r.arn === roleArn);
}

function requireRole(state: ControlState, roleName: string): IamRole {
  const role = findRole(state, roleName);
  if (!role) throw new AwsError('NoSuchEntity', `The role with name ${roleName} cannot be found.`, 404);
  return role;
}

/** IAM's unique ids: a 4-letter prefix naming the kind, then 17 uppercase letters and digits. */
function generateId(prefix: 'AROA' | 'ANPA'): string {
  let id = prefix;
  for (let i = 0; i < 17; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}

/** IAM reports times to the second. */
function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
