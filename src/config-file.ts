/**
 * Reads the YAML config file: every key must be one the emulator knows (a
 * misspelt key would otherwise be ignored and its setting silently lost), and
 * relative paths in it resolve against the file's folder, so the file works
 * from any working directory.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { suggestion } from './did-you-mean.ts';
import { OPTION_LIST } from './options/table.ts';
import { usageError } from './startup-errors.ts';

type Doc = Record<string, unknown>;

/** The options' YAML keys (src/options/table.ts), a nested one by its first part (`sagemaker` for `sagemaker.endpoints`). */
const TOP_LEVEL_KEYS = [
  ...new Set(OPTION_LIST.flatMap((o) => (o.configKey === undefined ? [] : [o.configKey.split('.')[0] ?? '']))),
];
/** Top-level keys that hold paths, made absolute against the file's folder. */
const PATH_KEYS = OPTION_LIST.flatMap((o) => (o.isPath === true && o.configKey !== undefined ? [o.configKey] : []));

const TUNING = ['latency', 'capacity', 'faults', 'targets'];
/** Keys of an endpoint spec by kind; the aws and model kinds pass their options through, so they are not listed. */
const ENDPOINT_KEYS: Readonly<Record<string, readonly string[]>> = {
  container: ['kind', 'url', ...TUNING],
  module: ['kind', 'path', ...TUNING],
  builtin: ['kind', 'model', ...TUNING],
  rules: ['kind', 'file', ...TUNING],
};
const SERVICE_KEYS: Readonly<Record<string, readonly string[]>> = {
  builtin: ['kind', ...TUNING],
  rules: ['kind', 'rulesFile', ...TUNING],
  aws: ['kind', 'region', 'endpoint', ...TUNING],
};

export interface ConfigFile {
  /** The file's top-level keys, relative paths already made absolute. */
  readonly values: Doc;
  /** How messages name a key of this file: `pgListen in ./emulator.yaml`. */
  name(key: string): string;
}

export function readConfigFile(file: string, givenBy: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw usageError(`${givenBy}: cannot read the config file ${file} (${reason})`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw usageError(`${givenBy}: ${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const name = (key: string) => `${key} in ${file}`;
  if (doc === null || doc === undefined) return { values: {}, name };
  if (!isObject(doc)) throw usageError(`${givenBy}: ${file} must hold a YAML mapping of options`);
  checkKeys(doc, TOP_LEVEL_KEYS, '', name);
  const base = path.dirname(path.resolve(file));
  return { values: resolvePaths(doc, base, name), name };
}

function isObject(value: unknown): value is Doc {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkKeys(doc: Doc, known: readonly string[], prefix: string, name: (key: string) => string): void {
  for (const key of Object.keys(doc)) {
    if (!known.includes(key)) throw usageError(`${name(prefix + key)}: unknown key${suggestion(key, known)}`);
  }
}

/** Checks the nested sections whose keys are fixed, and makes their relative paths absolute. */
function resolvePaths(doc: Doc, base: string, name: (key: string) => string): Doc {
  const at = (p: unknown) => (typeof p === 'string' && p !== '' ? path.resolve(base, p) : p);
  const out: Doc = { ...doc };
  for (const key of PATH_KEYS) if (typeof doc[key] === 'string') out[key] = at(doc[key]);
  const endpoint = (spec: unknown, where: string) => {
    if (!isObject(spec)) return spec;
    const keys = typeof spec.kind === 'string' ? ENDPOINT_KEYS[spec.kind] : undefined;
    if (keys) checkKeys(spec, keys, `${where}.`, name);
    return { ...spec, ...('path' in spec ? { path: at(spec.path) } : {}), ...('file' in spec ? { file: at(spec.file) } : {}) };
  };
  const endpoints = (map: unknown, where: string) =>
    isObject(map) ? Object.fromEntries(Object.entries(map).map(([n, s]) => [n, endpoint(s, `${where}.${n}`)])) : map;
  if (isObject(doc.sagemaker)) {
    checkKeys(doc.sagemaker, ['endpoints'], 'sagemaker.', name);
    out.sagemaker = { ...doc.sagemaker, endpoints: endpoints(doc.sagemaker.endpoints, 'sagemaker.endpoints') };
  }
  if (isObject(doc.backends)) out.backends = backends(doc.backends, at, endpoint, endpoints, name);
  return out;
}

function backends(
  doc: Doc,
  at: (p: unknown) => unknown,
  endpoint: (spec: unknown, where: string) => unknown,
  endpoints: (map: unknown, where: string) => unknown,
  name: (key: string) => string,
): Doc {
  checkKeys(doc, ['preset', 'seed', 'retry', 'record', 'comprehend', 'sagemaker', 'bedrock'], 'backends.', name);
  const out: Doc = { ...doc };
  if (isObject(doc.retry)) checkKeys(doc.retry, ['maxRetries', 'baseDelayMs'], 'backends.retry.', name);
  if (isObject(doc.record)) {
    checkKeys(doc.record, ['mode', 'cassette', 'fallthrough'], 'backends.record.', name);
    out.record = { ...doc.record, ...('cassette' in doc.record ? { cassette: at(doc.record.cassette) } : {}) };
  }
  const service = (spec: unknown, where: string, extra: readonly string[] = []) => {
    if (!isObject(spec)) return spec;
    const keys = SERVICE_KEYS[typeof spec.kind === 'string' ? spec.kind : 'builtin'];
    if (keys) checkKeys(spec, [...keys, ...extra], `${where}.`, name);
    return 'rulesFile' in spec ? { ...spec, rulesFile: at(spec.rulesFile) } : spec;
  };
  out.comprehend = service(doc.comprehend, 'backends.comprehend');
  if (isObject(doc.bedrock)) {
    const bedrock = service(doc.bedrock, 'backends.bedrock', ['models']) as Doc;
    const models = isObject(doc.bedrock.models)
      ? Object.fromEntries(Object.entries(doc.bedrock.models).map(([id, s]) => [id, service(s, `backends.bedrock.models.${id}`)]))
      : doc.bedrock.models;
    out.bedrock = { ...bedrock, ...(models === undefined ? {} : { models }) };
  }
  if (isObject(doc.sagemaker)) {
    checkKeys(doc.sagemaker, ['endpoints', 'default', 'demoEndpoints', ...TUNING], 'backends.sagemaker.', name);
    out.sagemaker = {
      ...doc.sagemaker,
      ...('endpoints' in doc.sagemaker ? { endpoints: endpoints(doc.sagemaker.endpoints, 'backends.sagemaker.endpoints') } : {}),
      ...('default' in doc.sagemaker ? { default: endpoint(doc.sagemaker.default, 'backends.sagemaker.default') } : {}),
    };
  }
  if (out.comprehend === undefined) delete out.comprehend;
  return out;
}
