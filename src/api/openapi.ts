/**
 * The OpenAPI 3.1 document of the emulator's own HTTP routes (everything
 * under /_aurora-ml/ and /metrics on the API port), served at
 * GET /_aurora-ml/openapi.json behind the same guards as those routes. Each
 * operation carries a request example that works against a fresh emulator,
 * so test/api-openapi.test.ts can replay them and check each answer against
 * its schema: the document cannot drift from the server unnoticed.
 */
import { SERVICES } from '../backends/middleware/call.ts';
import { TUNING_SETTINGS } from '../backends/middleware/controls.ts';
import { PRESETS } from '../backends/middleware/presets.ts';
import { FAULT_TYPES } from '../backends/middleware/tuning.ts';

export const OPENAPI_PATH = '/_aurora-ml/openapi.json';

/** The JSON Schema 2020-12 keywords this document uses (and the test's validator understands). */
export interface JsonSchema {
  readonly $ref?: string;
  readonly type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean' | 'null';
  readonly description?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | JsonSchema;
  readonly items?: JsonSchema;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly oneOf?: readonly JsonSchema[];
  readonly minimum?: number;
  readonly maximum?: number;
}

interface MediaType {
  readonly schema: JsonSchema;
  readonly example?: unknown;
}

interface Response {
  readonly description: string;
  readonly content?: Readonly<Record<string, MediaType>>;
}

interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query';
  readonly required?: boolean;
  readonly description: string;
  readonly schema: JsonSchema;
  readonly example?: string;
}

export interface Operation {
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly parameters?: readonly Parameter[];
  readonly requestBody?: { readonly required: boolean; readonly content: Readonly<Record<string, MediaType>> };
  readonly responses: Readonly<Record<string, Response>>;
}

export const HTTP_METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];
export type PathItem = { readonly [M in HttpMethod]?: Operation };

export interface OpenApiDocument {
  readonly openapi: '3.1.0';
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly paths: Readonly<Record<string, PathItem>>;
  readonly components: { readonly schemas: Readonly<Record<string, JsonSchema>> };
}

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonSchema, example?: unknown): Readonly<Record<string, MediaType>> => ({
  'application/json': example === undefined ? { schema } : { schema, example },
});
const nullable = (schema: JsonSchema): JsonSchema => ({ oneOf: [schema, { type: 'null' }] });
const error = (description: string): Response => ({ description, content: json(ref('Error')) });
const map = (values: JsonSchema, description?: string): JsonSchema => ({
  type: 'object',
  additionalProperties: values,
  ...(description ? { description } : {}),
});
const ms: JsonSchema = { type: 'number', minimum: 0 };

const latency: JsonSchema = {
  description: 'How long each call takes; perItemMs adds per document, CSV line or request.',
  oneOf: [
    {
      type: 'object',
      properties: { kind: { const: 'none' }, perItemMs: ms },
      required: ['kind'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: { kind: { const: 'fixed' }, ms, perItemMs: ms },
      required: ['kind', 'ms'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: { kind: { const: 'uniform' }, minMs: ms, maxMs: ms, perItemMs: ms },
      required: ['kind', 'minMs', 'maxMs'],
      additionalProperties: false,
    },
    {
      type: 'object',
      description: 'Lognormal with median p50Ms and 99th percentile p99Ms.',
      properties: { kind: { const: 'lognormal' }, p50Ms: ms, p99Ms: ms, perItemMs: ms },
      required: ['kind', 'p50Ms', 'p99Ms'],
      additionalProperties: false,
    },
  ],
};

const faultType: JsonSchema = { type: 'string', enum: FAULT_TYPES };

const schemas: Record<string, JsonSchema> = {
  Error: {
    type: 'object',
    properties: {
      error: {
        type: 'object',
        properties: { code: { type: 'string' }, message: { type: 'string' } },
        required: ['code', 'message'],
        additionalProperties: false,
      },
    },
    required: ['error'],
    additionalProperties: false,
  },
  Latency: latency,
  Capacity: {
    type: 'object',
    description: 'Calls in flight at once; past it they wait (FIFO) or fail at once with the service ThrottlingException.',
    properties: { maxConcurrent: { type: 'integer', minimum: 1 }, onExcess: { type: 'string', enum: ['wait', 'throttle'] } },
    required: ['maxConcurrent'],
    additionalProperties: false,
  },
  Faults: {
    type: 'object',
    description:
      'down first (every call fails as unreachable), then the queue (one outcome per call), then the rates (adding up to at most 1).',
    properties: {
      rates: { type: 'object', additionalProperties: { type: 'number', minimum: 0, maximum: 1 } },
      queue: { type: 'array', items: { oneOf: [{ const: 'ok' }, faultType] } },
      down: { type: 'boolean' },
    },
    additionalProperties: false,
  },
  Tuning: {
    type: 'object',
    properties: { latency: ref('Latency'), capacity: ref('Capacity'), faults: ref('Faults') },
    additionalProperties: false,
  },
  ServiceTuning: {
    type: 'object',
    description:
      "A service's settings; targets (endpoint, model id or Comprehend operation) with their own setting of a key use it instead.",
    properties: {
      latency: ref('Latency'),
      capacity: ref('Capacity'),
      faults: ref('Faults'),
      targets: map(ref('Tuning')),
    },
    additionalProperties: false,
  },
  ControlsSnapshot: {
    type: 'object',
    properties: {
      preset: { type: 'string', enum: Object.keys(PRESETS) },
      ...Object.fromEntries(SERVICES.map((s) => [s, ref('ServiceTuning')])),
    },
    required: ['preset', ...SERVICES],
    additionalProperties: false,
  },
  TuningPatch: {
    type: 'object',
    description: 'Each key present replaces that setting; null removes it; a key left out is left alone.',
    properties: {
      latency: nullable(ref('Latency')),
      capacity: nullable(ref('Capacity')),
      faults: nullable(ref('Faults')),
    },
    additionalProperties: false,
  },
  ServicePatch: {
    type: 'object',
    description:
      "latency, capacity and faults here are the service's: they do not reach targets with their own setting of that key (the answer's keptOwnSetting lists them). A target's null drops all its own settings.",
    properties: {
      latency: nullable(ref('Latency')),
      capacity: nullable(ref('Capacity')),
      faults: nullable(ref('Faults')),
      targets: map(nullable(ref('TuningPatch'))),
    },
    additionalProperties: false,
  },
  ControlsPatch: {
    type: 'object',
    description: "A preset first (it sets every service's latency), then each service's patch.",
    properties: {
      preset: { type: 'string', enum: Object.keys(PRESETS) },
      ...Object.fromEntries(SERVICES.map((s) => [s, ref('ServicePatch')])),
    },
    additionalProperties: false,
  },
  KeptOwnSetting: {
    type: 'object',
    description:
      'Per service and setting this patch changed service-wide: the targets whose own setting still applies, so the change does not reach them. Empty when it reached every target.',
    properties: Object.fromEntries(
      SERVICES.map((s) => [
        s,
        {
          type: 'object',
          properties: Object.fromEntries(TUNING_SETTINGS.map((k) => [k, { type: 'array', items: { type: 'string' } }])),
          additionalProperties: false,
        },
      ]),
    ),
    additionalProperties: false,
  },
  ControlsOutcome: {
    type: 'object',
    description: 'The settings now in effect (as GET answers) and keptOwnSetting.',
    properties: {
      preset: { type: 'string', enum: Object.keys(PRESETS) },
      ...Object.fromEntries(SERVICES.map((s) => [s, ref('ServiceTuning')])),
      keptOwnSetting: ref('KeptOwnSetting'),
    },
    required: ['preset', ...SERVICES, 'keptOwnSetting'],
    additionalProperties: false,
  },
  BackendSpec: {
    type: 'object',
    description:
      "A backend spec, the shape the config takes at the same place: kind plus that kind's options (rulesFile, model, url, path, region...). Comprehend: builtin, rules, aws. Bedrock: builtin, rules, aws, openai. SageMaker endpoint: builtin (model echo, score or fraud), container (url), module (path), rules (file), aws, model.",
    properties: { kind: { type: 'string' } },
    additionalProperties: true,
  },
  Selection: {
    type: 'object',
    properties: {
      comprehend: ref('BackendSpec'),
      sagemaker: {
        type: 'object',
        properties: { endpoints: map(ref('BackendSpec')) },
        required: ['endpoints'],
        additionalProperties: false,
      },
      bedrock: {
        type: 'object',
        properties: { default: ref('BackendSpec'), models: map(ref('BackendSpec')) },
        required: ['default', 'models'],
        additionalProperties: false,
      },
    },
    required: ['comprehend', 'sagemaker', 'bedrock'],
    additionalProperties: false,
  },
  Removed: {
    type: 'object',
    properties: { removed: { type: 'string' } },
    required: ['removed'],
    additionalProperties: false,
  },
  CallEntry: {
    type: 'object',
    properties: {
      id: { type: 'integer', minimum: 1 },
      startedAt: { type: 'string' },
      durationMs: { type: 'number', minimum: 0 },
      service: { type: 'string', enum: SERVICES },
      operation: { type: 'string' },
      target: { type: 'string', description: 'Endpoint name, model id or language code.' },
      batchSize: { type: 'integer', minimum: 0 },
      outcome: { type: 'string', enum: ['ok', 'error'] },
      error: {
        type: 'object',
        properties: { code: { type: 'string' }, serviceCode: { type: 'string' }, message: { type: 'string' } },
        required: ['code', 'message'],
        additionalProperties: false,
      },
      origin: {
        type: 'object',
        properties: { front: { type: 'string', enum: ['postgres', 'mysql'] }, connectionId: { type: 'integer' } },
        required: ['front', 'connectionId'],
        additionalProperties: false,
      },
      retries: { type: 'integer', minimum: 0 },
    },
    required: ['id', 'startedAt', 'durationMs', 'service', 'operation', 'target', 'batchSize', 'outcome', 'retries'],
    additionalProperties: false,
  },
  Calls: {
    type: 'object',
    properties: { calls: { type: 'array', items: ref('CallEntry') } },
    required: ['calls'],
    additionalProperties: false,
  },
  ControlReset: {
    type: 'object',
    required: ['preset', 'undone'],
    properties: {
      preset: { type: 'string', enum: ['demo', 'bare'] },
      undone: { type: 'array', items: { type: 'string' } },
    },
  },
  Cleared: {
    type: 'object',
    properties: { cleared: { type: 'integer', minimum: 0 } },
    required: ['cleared'],
    additionalProperties: false,
  },
  OpenApiDocument: {
    type: 'object',
    properties: { openapi: { const: '3.1.0' }, info: { type: 'object' }, paths: { type: 'object' } },
    required: ['openapi', 'info', 'paths', 'components'],
  },
};

const CONTROLS_EXAMPLE = {
  preset: 'none',
  comprehend: {},
  sagemaker: { faults: { down: true }, targets: { 'scoring-endpoint': { faults: { rates: { ThrottlingException: 0.1 } } } } },
  bedrock: {},
};

const controlsGet: Operation = {
  operationId: 'getControls',
  summary: 'The latency, capacity and faults in effect, per service and per target.',
  responses: { '200': { description: 'The settings.', content: json(ref('ControlsSnapshot'), CONTROLS_EXAMPLE) } },
};

/** PATCH, and the PUT and POST the route also takes for clients that cannot send PATCH. */
const controlsPatch = (method: string): Operation => ({
  operationId: `${method}Controls`,
  summary: method === 'patch' ? 'Change settings while running (a partial patch).' : 'The same as PATCH.',
  description:
    "A service's own latency, capacity or faults apply to its targets without their own setting of that key; a target's own wins (as in the config file). The answer's keptOwnSetting names the targets a service-wide change did not reach; to reach them, drop their setting in the same patch (targets: {name: {faults: null}}). A bad patch changes nothing.",
  requestBody: {
    required: true,
    content: json(ref('ControlsPatch'), { sagemaker: { faults: { queue: ['ThrottlingException'] } } }),
  },
  responses: {
    '200': {
      description: 'Applied: the settings now in effect, and which targets kept their own.',
      content: json(ref('ControlsOutcome'), {
        ...CONTROLS_EXAMPLE,
        keptOwnSetting: { sagemaker: { faults: ['scoring-endpoint'] } },
      }),
    },
    '400': error('Not a valid patch (ValidationException naming the field, or SerializationException).'),
  },
});

const endpointName: Parameter = {
  name: 'name',
  in: 'path',
  required: true,
  description: 'The SageMaker endpoint name.',
  schema: { type: 'string' },
  example: 'openapi-example',
};

const modelKey: Parameter = {
  name: 'key',
  in: 'path',
  required: true,
  description: 'A Bedrock model id, or an id prefix ending in * (URL-encoded).',
  schema: { type: 'string' },
  example: 'openapi.example*',
};

/** GET, PUT and DELETE of one named backend (an endpoint, a model route). */
function namedSpec(what: string, id: string, parameter: Parameter, example: Record<string, unknown>): PathItem {
  return {
    get: {
      operationId: `get${id}`,
      summary: `The spec of ${what}.`,
      parameters: [parameter],
      responses: {
        '200': { description: 'The spec.', content: json(ref('BackendSpec'), example) },
        '404': error(`No such ${what}.`),
      },
    },
    put: {
      operationId: `put${id}`,
      summary: `Add or replace ${what}; calls use it at once.`,
      parameters: [parameter],
      requestBody: { required: true, content: json(ref('BackendSpec'), example) },
      responses: {
        '200': { description: 'The spec now in effect.', content: json(ref('BackendSpec'), example) },
        '400': error('Not a valid spec.'),
      },
    },
    delete: {
      operationId: `delete${id}`,
      summary: `Remove ${what}.`,
      parameters: [parameter],
      responses: {
        '200': { description: 'Removed.', content: json(ref('Removed'), { removed: `${what} ${parameter.example}` }) },
        '404': error(`No such ${what}.`),
      },
    },
  };
}

/** GET and PUT of a service's backend. */
function serviceSpec(service: string, id: string): PathItem {
  const example = { kind: 'builtin' };
  return {
    get: {
      operationId: `get${id}Backend`,
      summary: `The spec serving ${service}.`,
      responses: { '200': { description: 'The spec.', content: json(ref('BackendSpec'), example) } },
    },
    put: {
      operationId: `put${id}Backend`,
      summary: `Serve ${service} from another backend; calls use it at once.`,
      requestBody: { required: true, content: json(ref('BackendSpec'), example) },
      responses: {
        '200': { description: 'The spec now in effect.', content: json(ref('BackendSpec'), example) },
        '400': error('Not a valid spec.'),
      },
    },
  };
}

const callFilters: readonly Parameter[] = [
  { name: 'service', in: 'query', description: 'comprehend, sagemaker or bedrock.', schema: { type: 'string', enum: SERVICES } },
  {
    name: 'target',
    in: 'query',
    description: 'Endpoint name, model id or language code (alias: endpoint).',
    schema: { type: 'string' },
  },
  { name: 'front', in: 'query', description: 'postgres or mysql.', schema: { type: 'string', enum: ['postgres', 'mysql'] } },
  { name: 'connection', in: 'query', description: 'Backend pid or MySQL thread id.', schema: { type: 'integer' } },
  { name: 'since', in: 'query', description: 'ISO 8601 or epoch milliseconds.', schema: { type: 'string' } },
  { name: 'until', in: 'query', description: 'ISO 8601 or epoch milliseconds.', schema: { type: 'string' } },
  { name: 'outcome', in: 'query', description: 'ok, error, or one error code.', schema: { type: 'string' } },
  { name: 'limit', in: 'query', description: 'Only the most recent matches.', schema: { type: 'integer', minimum: 1 } },
];

export const OPENAPI_DOCUMENT: OpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'aurora-ml-emulator runtime controls',
    version: '1',
    description:
      "The emulator's own routes on the API port. Browser guards apply to all (a loopback or listen-address Host; writes need Content-Type: application/json); with apiCredentials, every request must be SigV4-signed. Errors are {error: {code, message}}; a method a route does not take answers 405 with Allow.",
  },
  paths: {
    [OPENAPI_PATH]: {
      get: {
        operationId: 'getOpenApi',
        summary: 'This document.',
        responses: { '200': { description: 'The OpenAPI 3.1 document.', content: json(ref('OpenApiDocument')) } },
      },
    },
    '/_aurora-ml/backends': {
      get: controlsGet,
      patch: controlsPatch('patch'),
      put: controlsPatch('put'),
      post: controlsPatch('post'),
    },
    '/_aurora-ml/backends/selection': {
      get: {
        operationId: 'getSelection',
        summary: 'Every backend spec in effect.',
        responses: {
          '200': {
            description: 'The specs.',
            content: json(ref('Selection'), {
              comprehend: { kind: 'builtin' },
              sagemaker: { endpoints: { 'demo-echo': { kind: 'builtin', model: 'echo' } } },
              bedrock: { default: {}, models: {} },
            }),
          },
        },
      },
    },
    '/_aurora-ml/backends/comprehend': serviceSpec('Comprehend', 'Comprehend'),
    '/_aurora-ml/backends/bedrock': serviceSpec('Bedrock models without a route of their own', 'Bedrock'),
    '/_aurora-ml/backends/sagemaker/endpoints/{name}': namedSpec('SageMaker endpoint', 'Endpoint', endpointName, {
      kind: 'builtin',
      model: 'echo',
    }),
    '/_aurora-ml/backends/bedrock/models/{key}': namedSpec('Bedrock model route', 'BedrockModelRoute', modelKey, {
      kind: 'builtin',
    }),
    '/_aurora-ml/calls': {
      get: {
        operationId: 'listCalls',
        summary: 'The call log, oldest first, filtered.',
        parameters: callFilters,
        responses: {
          '200': { description: 'The matching calls.', content: json(ref('Calls')) },
          '400': error('A bad or unknown filter (InvalidParameterValue).'),
        },
      },
      delete: {
        operationId: 'clearCalls',
        summary: 'Empty the call log (ids are not reused).',
        responses: { '200': { description: 'How many entries were dropped.', content: json(ref('Cleared'), { cleared: 3 }) } },
      },
    },
    '/_aurora-ml/calls/{id}': {
      get: {
        operationId: 'getCall',
        summary: 'One call by id.',
        parameters: [
          { name: 'id', in: 'path', required: true, description: 'The call id.', schema: { type: 'integer' }, example: '1' },
        ],
        responses: {
          '200': { description: 'The call.', content: json(ref('CallEntry')) },
          '404': error('No such call in the log.'),
        },
      },
    },
    '/_aurora-ml/control/reset': {
      post: {
        operationId: 'resetControlPlane',
        requestBody: { required: false, content: json({ type: 'object', additionalProperties: false }, {}) },
        summary:
          "Put the control plane's preset (--control-preset) back over the stored state: its IAM roles, role associations and cluster parameters. Databases are not touched.",
        responses: {
          '200': {
            description: 'The preset put back, and what it undid (empty when the state was the preset).',
            content: json(ref('ControlReset'), { preset: 'demo', undone: ['IAM role aurora-ml-sagemaker is missing'] }),
          },
        },
      },
    },
    '/metrics': {
      get: {
        operationId: 'getMetrics',
        summary: 'Prometheus metrics (text exposition format).',
        responses: { '200': { description: 'The metrics.', content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    },
  },
  components: { schemas },
};
