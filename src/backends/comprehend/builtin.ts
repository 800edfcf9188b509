/**
 * The built-in Comprehend: local models that read the text (see the files
 * beside this one), behind the ComprehendBackend interface.
 */
import { EmulatorError } from '../../errors.ts';
import type { CallContext, ComprehendBackend, ComprehendOperation, ComprehendResults } from '../types.ts';
import { detectEntities } from './entities.ts';
import { detectKeyPhrases } from './key-phrases.ts';
import { detectDominantLanguage, loadLanguageModel } from './language.ts';
import { detectPiiEntities } from './pii.ts';
import { analyzeSentiment } from './sentiment.ts';

function check(ctx: CallContext): void {
  if (ctx.signal.aborted) throw new EmulatorError('QueryCanceled', 'canceling statement due to user request');
  if (Date.now() > ctx.deadline) throw new EmulatorError('InferenceTimeout', 'Comprehend request timed out');
}

/** The model answering each operation for one document. */
const MODELS: { readonly [Op in ComprehendOperation]: (text: string, languageCode: string) => ComprehendResults[Op] } = {
  DetectSentiment: analyzeSentiment,
  DetectDominantLanguage: (text) => detectDominantLanguage(text),
  DetectEntities: detectEntities,
  DetectKeyPhrases: detectKeyPhrases,
  DetectPiiEntities: detectPiiEntities,
};

/** Models whose data loads on first use. */
const LOADS: Partial<Record<ComprehendOperation, () => Promise<void>>> = { DetectDominantLanguage: loadLanguageModel };

export class BuiltinComprehendBackend implements ComprehendBackend {
  readonly kind = 'builtin';

  readonly detect: ComprehendBackend['detect'] = async (operation, texts, languageCode, ctx) => {
    check(ctx);
    await LOADS[operation]?.();
    const model = MODELS[operation];
    return texts.map((text) => model(text, languageCode));
  };
}
