/**
 * SageMaker backend (kind 'model') that evaluates a trained model file in
 * process, so a team can serve its XGBoost, linear or ONNX model without
 * building a container. The file is read and checked when the backend is
 * created: a broken model stops the configuration, not the first query. An
 * ONNX model is the exception past reading: its runtime is optional and heavy,
 * so its session opens on the first request, and fails that request.
 */
import { EmulatorError } from '../../../errors.ts';
import type { CallContext, InvokeRequest, InvokeResponse, SageMakerBackend } from '../../types.ts';
import { invokeWithinLimits, type LimitOptions, modelError } from '../limits.ts';
import { openModelFile } from './load.ts';
import { formatPredictions, outputFormat } from './rows.ts';
import { ModelFileError, ModelInputError, ModelRunError, type ModelScorer } from './types.ts';

export interface ModelSageMakerBackendOptions extends LimitOptions {
  /** An XGBoost JSON model (save_model('model.json')), a linear/logistic JSON model, or a .onnx file. */
  readonly path: string;
  /** The endpoint this model serves; other names are unknown endpoints, as SageMaker has them. Default: any name. */
  readonly endpointName?: string;
}

export class ModelSageMakerBackend implements SageMakerBackend {
  readonly kind = 'model';
  readonly model: ModelScorer;
  private readonly where: string;

  constructor(private readonly options: ModelSageMakerBackendOptions) {
    try {
      this.model = openModelFile(options.path);
    } catch (err) {
      throw err instanceof ModelFileError ? cannotLoad(err) : err;
    }
    this.where = `the model file ${options.path}`;
  }

  invokeEndpoint(endpointName: string, request: InvokeRequest, ctx: CallContext): Promise<InvokeResponse> {
    const served = this.options.endpointName;
    if (served !== undefined && endpointName !== served) {
      return Promise.reject(
        new EmulatorError('EndpointNotFound', `Endpoint ${endpointName} not found.`, {
          serviceCode: 'ValidationError',
          hint: `This model file serves the endpoint ${served}.`,
        }),
      );
    }
    return invokeWithinLimits(
      endpointName,
      request,
      ctx,
      this.where,
      async (signal) => {
        const type = (request.contentType.split(';')[0] ?? '').trim().toLowerCase();
        if (type !== 'text/csv') {
          throw modelError(endpointName, 415, `content type ${request.contentType} is not supported; send text/csv`, this.where);
        }
        const format = outputFormat(request.accept);
        if (!format) {
          throw modelError(
            endpointName,
            406,
            `accept ${request.accept} is not supported; use text/csv or application/json`,
            this.where,
          );
        }
        let predictions: (readonly number[])[];
        try {
          predictions = await this.model.score(request.body.toString('utf8'), signal);
        } catch (err) {
          if (err instanceof ModelInputError) throw modelError(endpointName, 400, err.message, this.where);
          if (err instanceof ModelRunError) throw modelError(endpointName, 500, err.message, this.where);
          if (err instanceof ModelFileError) throw cannotLoad(err);
          throw err;
        }
        return {
          body: Buffer.from(formatPredictions(predictions, format)),
          contentType: format === 'json' ? 'application/json' : 'text/csv',
        };
      },
      this.options,
    );
  }
}

function cannotLoad(err: ModelFileError): EmulatorError {
  return new EmulatorError('InvalidArgument', `Cannot load the SageMaker model: ${err.message}`, {
    hint: 'Point the endpoint at a file written by XGBoost save_model(...json), a {"type","weights","intercept"} linear model, or an .onnx model.',
    cause: err,
  });
}

export function createModelSageMakerBackend(opts: ModelSageMakerBackendOptions): ModelSageMakerBackend {
  return new ModelSageMakerBackend(opts);
}
