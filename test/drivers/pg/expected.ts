/**
 * The answer every driver row is held to: the emulator's own Comprehend API
 * (DetectSentiment on its API port), asked about one text per call, so nothing
 * the SQL path does (batching, caching, cursors, pipelines) can leak into it.
 */
import { ComprehendClient, DetectSentimentCommand, type SentimentScore } from '@aws-sdk/client-comprehend';

export interface Expected {
  readonly sentiment: string;
  /** The winning label's score as the API sends it (a double). */
  readonly confidence: number;
}

const CREDENTIALS = { accessKeyId: 'AKIAEMULATORTEST0001', secretAccessKey: 'driver-matrix-secret' };

function winningScore(label: string, s: SentimentScore): number {
  const score = { POSITIVE: s.Positive, NEGATIVE: s.Negative, MIXED: s.Mixed, NEUTRAL: s.Neutral }[label];
  if (score === undefined) throw new Error(`DetectSentiment answered an unknown label ${label}`);
  return score;
}

/** Asks the API about each text, a few calls in flight at a time, one text per call. */
export async function expectedSentiments(apiUrl: string, texts: readonly string[]): Promise<Map<string, Expected>> {
  const client = new ComprehendClient({ endpoint: apiUrl, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
  const out = new Map<string, Expected>();
  const queue = [...new Set(texts)];
  const worker = async () => {
    for (let text = queue.shift(); text !== undefined; text = queue.shift()) {
      const answer = await client.send(new DetectSentimentCommand({ Text: text, LanguageCode: 'en' }));
      const sentiment = answer.Sentiment ?? '';
      out.set(text, { sentiment, confidence: winningScore(sentiment, answer.SentimentScore ?? {}) });
    }
  };
  try {
    await Promise.all([worker(), worker(), worker(), worker()]);
  } finally {
    client.destroy();
  }
  return out;
}
