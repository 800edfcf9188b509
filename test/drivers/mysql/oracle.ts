/**
 * What each row must hold, asked of the emulator's own AWS-compatible APIs one
 * document (or one CSV row) at a time with the real AWS SDK: the SQL side must
 * return the very label, confidence and score the service answers.
 */
import { ComprehendClient, DetectSentimentCommand, type LanguageCode } from '@aws-sdk/client-comprehend';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';

export interface Sentiment {
  readonly sentiment: string;
  readonly confidence: number;
}

const CREDENTIALS = { accessKeyId: 'AKIAEXAMPLEORACLE', secretAccessKey: 'oracle-secret' };

export class MlOracle implements Disposable {
  private readonly comprehend: ComprehendClient;
  private readonly sagemaker: SageMakerRuntimeClient;

  constructor(apiUrl: string) {
    const config = { endpoint: apiUrl, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 };
    this.comprehend = new ComprehendClient(config);
    this.sagemaker = new SageMakerRuntimeClient(config);
  }

  /** DetectSentiment for one text: the label and the winning label's score. */
  async sentiment(text: string, language: LanguageCode = 'en'): Promise<Sentiment> {
    const out = await this.comprehend.send(new DetectSentimentCommand({ Text: text, LanguageCode: language }));
    const label = out.Sentiment ?? '';
    const scores = out.SentimentScore ?? {};
    const key = `${label.charAt(0)}${label.slice(1).toLowerCase()}` as keyof typeof scores;
    const confidence = scores[key];
    if (typeof confidence !== 'number') throw new Error(`DetectSentiment gave no score for ${label}`);
    return { sentiment: label, confidence };
  }

  /** One text after another, as the brief asks (no batch API), in the order given. */
  async sentiments(texts: readonly string[], language: LanguageCode = 'en'): Promise<Sentiment[]> {
    const out: Sentiment[] = [];
    for (const t of texts) out.push(await this.sentiment(t, language));
    return out;
  }

  /** InvokeEndpoint with one CSV row; the first field of the answer, as Aurora MySQL reads it. */
  async score(endpoint: string, csvRow: string): Promise<number> {
    const out = await this.sagemaker.send(
      new InvokeEndpointCommand({
        EndpointName: endpoint,
        ContentType: 'text/csv',
        Accept: 'text/csv',
        Body: Buffer.from(csvRow),
      }),
    );
    const body = Buffer.from(out.Body ?? new Uint8Array()).toString('utf8');
    return Number(body.trim().split('\n')[0]?.split(',')[0]);
  }

  [Symbol.dispose](): void {
    this.comprehend.destroy();
    this.sagemaker.destroy();
  }
}
