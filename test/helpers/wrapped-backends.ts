/**
 * Backends wrapped in the standard middleware with settings that change no
 * answer (a short fixed latency, no faults, retries on), for running the
 * shared contract through the wrappers.
 */
import { BackendControls } from '../../src/backends/middleware/controls.ts';
import { seededRandom } from '../../src/backends/middleware/random.ts';
import { standardLayers } from '../../src/backends/middleware/standard.ts';
import { wrapBedrock, wrapComprehend, wrapSageMaker } from '../../src/backends/middleware/wrap.ts';
import type { BedrockBackend, ComprehendBackend, SageMakerBackend } from '../../src/backends/types.ts';
import { MlStats } from '../../src/ml/stats.ts';

function neutralLayers() {
  const tuning = { latency: { kind: 'fixed', ms: 1 }, faults: {} } as const;
  const controls = new BackendControls({ comprehend: tuning, sagemaker: tuning, bedrock: tuning });
  return standardLayers({ controls, stats: new MlStats(), random: seededRandom(1) });
}

export const wrappedComprehend = (b: ComprehendBackend): ComprehendBackend => wrapComprehend(b, neutralLayers());
export const wrappedSageMaker = (b: SageMakerBackend): SageMakerBackend => wrapSageMaker(b, neutralLayers());
export const wrappedBedrock = (b: BedrockBackend): BedrockBackend => wrapBedrock(b, neutralLayers());
