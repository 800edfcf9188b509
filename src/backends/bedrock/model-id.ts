/**
 * Reduces whatever InvokeModel accepts as a model id (a base model id, a
 * foundation-model or inference-profile ARN, a cross-region inference profile
 * id such as us.anthropic.claude-...) to the base model id that names the
 * model family.
 */
const PROFILE_PREFIX = /^(us|us-gov|eu|apac|ca|jp|au|global)\./;

export function baseModelId(modelId: string): string {
  let id = modelId.trim();
  if (id.startsWith('arn:')) id = id.slice(id.lastIndexOf('/') + 1);
  return id.replace(PROFILE_PREFIX, '');
}
