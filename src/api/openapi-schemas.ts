/**
 * The component schemas of the OpenAPI document (./openapi.ts): the bodies
 * of the runtime controls, the backend selection and the call log. Fault
 * types, presets and services come from the source, so the document cannot
 * list other values than the server takes.
 */
import { SERVICES } from '../backends/middleware/call.ts';
import { TUNING_SETTINGS } from '../backends/middleware/controls.ts';
import { PRESETS } from '../backends/middleware/presets.ts';
import { FAULT_TYPES } from '../backends/middleware/tuning.ts';
import { type JsonSchema, map, nullable, ref } from './openapi-types.ts';

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

export const schemas: Record<string, JsonSchema> = {
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
  StatementPhase: {
    type: 'object',
    properties: {
      kind: { type: 'string', enum: ['run', 'evaluate', 'cache-fill', 'final'] },
      startMs: { type: 'number', minimum: 0, description: 'From the statement start.' },
      durationMs: nullable({ type: 'number', minimum: 0 }),
      calls: { type: 'integer', minimum: 0, description: 'Evaluate: the distinct ML calls.' },
      requests: { type: 'integer', minimum: 0, description: 'Evaluate: the backend requests (batches) made.' },
      includesCacheFill: { type: 'boolean', description: 'PostgreSQL: the cache fill travelled with the final run.' },
    },
    required: ['kind', 'startMs', 'durationMs'],
    additionalProperties: false,
  },
  StatementEntry: {
    type: 'object',
    properties: {
      id: { type: 'integer', minimum: 1 },
      front: { type: 'string', enum: ['postgres', 'mysql'] },
      connectionId: { type: 'integer', description: 'Backend pid (PostgreSQL) or thread id (MySQL).' },
      sql: { type: 'string', description: 'Shortened to 200 characters.' },
      startedAt: { type: 'string' },
      durationMs: { type: 'number', minimum: 0, description: 'So far, while running.' },
      phases: { type: 'array', items: ref('StatementPhase') },
      batchesDone: { type: 'integer', minimum: 0 },
      batchesKnown: { type: 'integer', minimum: 0 },
      rows: nullable({ type: 'integer', minimum: 0 }),
      outcome: { type: 'string', enum: ['running', 'ok', 'timeout', 'throttled', 'denied', 'error', 'canceled'] },
      error: {
        type: 'object',
        properties: { code: { type: 'string' }, message: { type: 'string' } },
        required: ['code', 'message'],
        additionalProperties: false,
      },
    },
    required: [
      'id',
      'front',
      'connectionId',
      'sql',
      'startedAt',
      'durationMs',
      'phases',
      'batchesDone',
      'batchesKnown',
      'rows',
      'outcome',
    ],
    additionalProperties: false,
  },
  Statements: {
    type: 'object',
    properties: {
      running: { type: 'array', items: ref('StatementEntry') },
      recent: { type: 'array', items: ref('StatementEntry'), description: 'The last 200 finished, oldest first.' },
    },
    required: ['running', 'recent'],
    additionalProperties: false,
  },
  StatementDetail: {
    type: 'object',
    description: 'A statement and the backend requests its connection made while it ran.',
    properties: {
      id: { type: 'integer', minimum: 1 },
      front: { type: 'string', enum: ['postgres', 'mysql'] },
      connectionId: { type: 'integer' },
      sql: { type: 'string' },
      startedAt: { type: 'string' },
      durationMs: { type: 'number', minimum: 0 },
      phases: { type: 'array', items: ref('StatementPhase') },
      outcome: { type: 'string' },
      requests: { type: 'array', items: ref('CallEntry') },
    },
    required: ['id', 'front', 'connectionId', 'sql', 'startedAt', 'durationMs', 'phases', 'outcome', 'requests'],
  },
  FrontConnections: {
    type: 'object',
    properties: {
      connected: { type: 'integer', minimum: 0 },
      waitingOnMl: { type: 'integer', minimum: 0, description: 'Connections whose statement waits on its ML calls now.' },
      upstreamMaxConnections: nullable({ type: 'integer', minimum: 0 }),
      appPoolSize: { type: 'integer', minimum: 1, description: '--ui-pool-size.' },
    },
    required: ['connected', 'waitingOnMl', 'upstreamMaxConnections', 'appPoolSize'],
    additionalProperties: false,
  },
  Connections: {
    type: 'object',
    properties: { postgres: ref('FrontConnections'), mysql: nullable(ref('FrontConnections')) },
    required: ['postgres', 'mysql'],
    additionalProperties: false,
  },
};
