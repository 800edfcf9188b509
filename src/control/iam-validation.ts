/**
 * IAM's documented constraints on names, paths, policy ARNs and trust
 * policies, failing with IAM's own error codes and wording. Kept apart from
 * IamService so that the operations read as what they change, not as checks.
 */
import { AwsError } from '../aws-error.ts';
import { checkPolicySize, parsePolicyDocument } from '../iam/index.ts';

/** The constraints IAM documents for its names, paths and descriptions. */
const NAME = /^[\w+=,.@-]+$/;
const PATH = /^(\/|\/[\u0021-\u007e]+\/)$/;
const MANAGED_POLICY_ARN = /^arn:aws[a-z-]*:iam::(\d{12}|aws):policy(\/[\u0021-\u007e]*)?\/[\w+=,.@-]+$/;

/** IAM's wording for constraint failures (it reports the member in camelCase). */
export function validation(member: string, constraint: string, value?: string): AwsError {
  const shown = value === undefined ? '' : ` '${value}'`;
  return new AwsError(
    'ValidationError',
    `1 validation error detected: Value${shown} at '${member}' failed to satisfy constraint: ${constraint}`,
  );
}

export function validateName(member: string, value: string, max: number): void {
  if (value.length < 1 || value.length > max) {
    throw validation(member, `Member must have length less than or equal to ${max}`, value);
  }
  if (!NAME.test(value)) throw validation(member, 'Member must satisfy regular expression pattern: [\\w+=,.@-]+', value);
}

/** The path, '/' when none is given. */
export function validatePath(path: string | undefined): string {
  const value = path ?? '/';
  if (value.length > 512 || !PATH.test(value)) {
    throw validation(
      'path',
      'Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)',
      value,
    );
  }
  return value;
}

/** The prefix, '/' (everything) when none is given. */
export function validatePathPrefix(prefix: string | undefined): string {
  const value = prefix ?? '/';
  if (!value.startsWith('/') || value.length > 512) {
    throw validation('pathPrefix', 'Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*', value);
  }
  return value;
}

export function validateDescription(description: string | undefined): void {
  if (description !== undefined && description.length > 1000) {
    throw validation('description', 'Member must have length less than or equal to 1000');
  }
}

export function validatePolicyArn(arn: string): void {
  if (!MANAGED_POLICY_ARN.test(arn)) throw new AwsError('InvalidInput', `ARN ${arn} is not valid.`);
}

export function validateTrustPolicy(text: string): void {
  checkPolicySize(text, 'trust');
  parsePolicyDocument(text, 'trust');
}
