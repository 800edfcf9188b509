/**
 * The built-in Comprehend: local models that read the text (see the files
 * beside this one), behind the ComprehendBackend interface.
 */
import { EmulatorError } from '../../errors.ts';
import type { CallContext, ComprehendBackend, DominantLanguage, Entity, KeyPhrase, SentimentResult } from '../types.ts';
import { detectEntities } from './entities.ts';
import { detectKeyPhrases } from './key-phrases.ts';
import { detectDominantLanguage, loadLanguageModel } from './language.ts';
import { analyzeSentiment } from './sentiment.ts';

function check(ctx: CallContext): void {
  if (ctx.signal.aborted) throw new EmulatorError('QueryCanceled', 'canceling statement due to user request');
  if (Date.now() > ctx.deadline) throw new EmulatorError('InferenceTimeout', 'Comprehend request timed out');
}

export class BuiltinComprehendBackend implements ComprehendBackend {
  readonly kind = 'builtin';

  async batchDetectSentiment(texts: readonly string[], languageCode: string, ctx: CallContext): Promise<SentimentResult[]> {
    check(ctx);
    return texts.map((t) => analyzeSentiment(t, languageCode));
  }

  async batchDetectDominantLanguage(texts: readonly string[], ctx: CallContext): Promise<DominantLanguage[][]> {
    check(ctx);
    await loadLanguageModel();
    return texts.map((t) => detectDominantLanguage(t));
  }

  async batchDetectEntities(texts: readonly string[], languageCode: string, ctx: CallContext): Promise<Entity[][]> {
    check(ctx);
    return texts.map((t) => detectEntities(t, languageCode));
  }

  async batchDetectKeyPhrases(texts: readonly string[], languageCode: string, ctx: CallContext): Promise<KeyPhrase[][]> {
    check(ctx);
    return texts.map((t) => detectKeyPhrases(t, languageCode));
  }
}
