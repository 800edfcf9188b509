/**
 * Types for the `sentiment` package (AFINN-165), which ships none.
 *
 * Deliberately absent: the per-call `extras` option of `analyze`. The package
 * merges extras into its process-wide label table with Object.assign, so one
 * call's extras would leak into every later call. Lexicons are registered once
 * as a language instead (see sentiment-english.ts).
 */
declare module 'sentiment' {
  namespace Sentiment {
    interface ScoringStrategy {
      /** Called for each token found in the labels; returns the token's final score. */
      apply(tokens: string[], cursor: number, tokenScore: number): number;
    }
    interface LanguageModule {
      labels: Record<string, number>;
      scoringStrategy?: ScoringStrategy;
    }
    interface AnalysisOptions {
      language?: string;
    }
    interface AnalysisResult {
      score: number;
      comparative: number;
      /** One single-key object per scored token: { token: score }, last token first. */
      calculation: Array<Record<string, number>>;
      tokens: string[];
      words: string[];
      positive: string[];
      negative: string[];
    }
  }
  class Sentiment {
    constructor(options?: object);
    registerLanguage(languageCode: string, language: Sentiment.LanguageModule): void;
    analyze(phrase: string, options?: Sentiment.AnalysisOptions): Sentiment.AnalysisResult;
  }
  export = Sentiment;
}
