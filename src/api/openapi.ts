/**
 * The OpenAPI 3.1 document of the emulator's own HTTP routes (everything
 * under /_aurora-ml/ and /metrics on the API port), served at
 * GET /_aurora-ml/openapi.json behind the same guards as those routes. Each
 * operation carries a request example that works against a fresh emulator,
 * so test/api-openapi.test.ts can replay them and check each answer against
 * its schema: the document cannot drift from the server unnoticed.
 */
import { SERVICES } from '../backends/middleware/call.ts';
import { schemas } from './openapi-schemas.ts';
import { error, json, type OpenApiDocument, type Operation, type Parameter, type PathItem, ref } from './openapi-types.ts';

export { HTTP_METHODS, type OpenApiDocument, type Operation } from './openapi-types.ts';

export const OPENAPI_PATH = '/_aurora-ml/openapi.json';

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
    '/_aurora-ml/statements': {
      get: {
        operationId: 'listStatements',
        summary: 'The SQL statements that made ML calls: those running now (with batch progress) and the last 200 finished.',
        responses: { '200': { description: 'The statements.', content: json(ref('Statements')) } },
      },
    },
    '/_aurora-ml/statements/{id}': {
      get: {
        operationId: 'getStatement',
        summary: 'One statement, with the backend requests its connection made while it ran (from the call log).',
        parameters: [
          { name: 'id', in: 'path', required: true, description: 'The statement id.', schema: { type: 'integer' }, example: '1' },
        ],
        responses: {
          '200': { description: 'The statement and its requests.', content: json(ref('StatementDetail')) },
          '404': error('No such statement in the log.'),
        },
      },
    },
    '/_aurora-ml/connections': {
      get: {
        operationId: 'getConnections',
        summary:
          "Per front: client connections, those waiting on ML now, the upstream's max_connections and the app pool size (--ui-pool-size).",
        responses: { '200': { description: 'The counts.', content: json(ref('Connections')) } },
      },
    },
    '/_aurora-ml/events': {
      get: {
        operationId: 'streamEvents',
        summary:
          "The dashboard's live feed (server-sent events): hello, then update every 250 ms, and gap after dropped updates.",
        description:
          'An update carries the statements that changed, new backend calls (at most 500; callsSkipped counts the rest), the counters and the connection counts. A subscriber whose socket holds more than 256 KiB unsent misses updates instead of queueing them, then gets a gap event {dropped}.',
        responses: { '200': { description: 'The stream.', content: { 'text/event-stream': { schema: { type: 'string' } } } } },
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
