/** IAM's Query API (version 2010-05-08) over IamService: parameters in, IAM's XML shapes out. */
import { AwsError } from '../aws-error.ts';
import type { IamService, Page, PageRequest } from '../control/iam-service.ts';
import type { IamRole, ManagedPolicy } from '../control/model.ts';
import type { QueryParams } from './query.ts';
import type { ActionHandler, ApiService } from './service.ts';
import { type XmlFields, xmlList } from './xml.ts';

export type IamAction =
  | 'CreateRole'
  | 'GetRole'
  | 'DeleteRole'
  | 'UpdateAssumeRolePolicy'
  | 'PutRolePolicy'
  | 'GetRolePolicy'
  | 'DeleteRolePolicy'
  | 'ListRolePolicies'
  | 'CreatePolicy'
  | 'AttachRolePolicy'
  | 'DetachRolePolicy'
  | 'ListRoles'
  | 'ListAttachedRolePolicies';

/** IAM reports members in camelCase in its validation messages. */
const camel = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);

const parameterErrors = {
  missing: (name: string) =>
    new AwsError(
      'ValidationError',
      `1 validation error detected: Value null at '${camel(name)}' failed to satisfy constraint: Member must not be null`,
    ),
  invalid: (name: string, value: string, expected: string) =>
    new AwsError('ValidationError', `1 validation error detected: Value '${value}' at '${camel(name)}' must be ${expected}`),
};

/** IAM returns policy documents URL-encoded (RFC 3986); the CLI decodes them, SDK users call decodeURIComponent. */
const encodePolicy = (text: string) => encodeURIComponent(text);

function roleXml(role: IamRole): XmlFields {
  return {
    Path: role.path,
    RoleName: role.roleName,
    RoleId: role.roleId,
    Arn: role.arn,
    CreateDate: role.createDate,
    AssumeRolePolicyDocument: encodePolicy(role.assumeRolePolicyDocument),
    Description: role.description,
    MaxSessionDuration: role.maxSessionDuration,
  };
}

function policyXml(policy: ManagedPolicy, attachmentCount: number): XmlFields {
  return {
    PolicyName: policy.policyName,
    PolicyId: policy.policyId,
    Arn: policy.arn,
    Path: policy.path,
    DefaultVersionId: 'v1',
    AttachmentCount: attachmentCount,
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: true,
    Description: policy.description,
    CreateDate: policy.createDate,
    UpdateDate: policy.updateDate,
  };
}

function pageRequest(params: QueryParams): PageRequest {
  const pathPrefix = params.optional('PathPrefix');
  const marker = params.optional('Marker');
  const maxItems = params.int('MaxItems');
  return {
    ...(pathPrefix !== undefined ? { pathPrefix } : {}),
    ...(marker !== undefined ? { marker } : {}),
    ...(maxItems !== undefined ? { maxItems } : {}),
  };
}

function pageXml<T>(page: Page<T>): XmlFields {
  return { IsTruncated: page.marker !== undefined, Marker: page.marker };
}

export function iamApi(iam: IamService): ApiService {
  const actions: Record<IamAction, ActionHandler> = {
    CreateRole: async (p) => {
      const description = p.optional('Description');
      const path = p.optional('Path');
      const maxSessionDuration = p.int('MaxSessionDuration');
      const role = await iam.createRole({
        roleName: p.required('RoleName'),
        assumeRolePolicyDocument: p.required('AssumeRolePolicyDocument'),
        ...(path !== undefined ? { path } : {}),
        ...(description !== undefined ? { description } : {}),
        ...(maxSessionDuration !== undefined ? { maxSessionDuration } : {}),
      });
      return { Role: roleXml(role) };
    },
    GetRole: (p) => ({ Role: roleXml(iam.getRole(p.required('RoleName'))) }),
    DeleteRole: async (p) => {
      await iam.deleteRole(p.required('RoleName'));
      return undefined;
    },
    UpdateAssumeRolePolicy: async (p) => {
      await iam.updateAssumeRolePolicy(p.required('RoleName'), p.required('PolicyDocument'));
      return undefined;
    },
    PutRolePolicy: async (p) => {
      await iam.putRolePolicy(p.required('RoleName'), p.required('PolicyName'), p.required('PolicyDocument'));
      return undefined;
    },
    GetRolePolicy: (p) => {
      const policy = iam.getRolePolicy(p.required('RoleName'), p.required('PolicyName'));
      return { RoleName: policy.roleName, PolicyName: policy.policyName, PolicyDocument: encodePolicy(policy.policyDocument) };
    },
    DeleteRolePolicy: async (p) => {
      await iam.deleteRolePolicy(p.required('RoleName'), p.required('PolicyName'));
      return undefined;
    },
    ListRolePolicies: (p) => {
      const page = iam.listRolePolicies(p.required('RoleName'), pageRequest(p));
      return { PolicyNames: xmlList('member', page.items), ...pageXml(page) };
    },
    CreatePolicy: async (p) => {
      const description = p.optional('Description');
      const path = p.optional('Path');
      const policy = await iam.createPolicy({
        policyName: p.required('PolicyName'),
        policyDocument: p.required('PolicyDocument'),
        ...(path !== undefined ? { path } : {}),
        ...(description !== undefined ? { description } : {}),
      });
      return { Policy: policyXml(policy, 0) };
    },
    AttachRolePolicy: async (p) => {
      await iam.attachRolePolicy(p.required('RoleName'), p.required('PolicyArn'));
      return undefined;
    },
    DetachRolePolicy: async (p) => {
      await iam.detachRolePolicy(p.required('RoleName'), p.required('PolicyArn'));
      return undefined;
    },
    ListRoles: (p) => {
      const page = iam.listRoles(pageRequest(p));
      return { Roles: xmlList('member', page.items.map(roleXml)), ...pageXml(page) };
    },
    ListAttachedRolePolicies: (p) => {
      const page = iam.listAttachedRolePolicies(p.required('RoleName'), pageRequest(p));
      const items = page.items.map((a) => ({ PolicyName: a.policyName, PolicyArn: a.policyArn }));
      return { AttachedPolicies: xmlList('member', items), ...pageXml(page) };
    },
  };
  return {
    signingName: 'iam',
    version: '2010-05-08',
    namespace: 'https://iam.amazonaws.com/doc/2010-05-08/',
    parameterErrors,
    actions,
  };
}
