/**
 * What the demos use of the emulator's HTTP API (on its API listener): the
 * runtime controls (/_aurora-ml/backends), the call log (/_aurora-ml/calls)
 * and, when this emulator has it, the statement view (/_aurora-ml/statements).
 * Demos talk to a running emulator the way any tool would, so the same code
 * drives one started in-process and one started by someone else.
 */
import type { Tuning } from '../backends/middleware/tuning.ts';
import type { CallEntry } from '../observe/call-log.ts';

type Service = 'comprehend' | 'sagemaker' | 'bedrock';

/** One statement as /_aurora-ml/statements shows it (only the fields the demos read). */
export interface StatementView {
  readonly front?: string;
  readonly connectionId?: number;
  readonly outcome?: string;
  readonly durationMs?: number;
  readonly batchesDone?: number;
  readonly batchesKnown?: number;
}

export class DemoApiError extends Error {
  override readonly name = 'DemoApiError';
}

export class EmulatorApi {
  /** Learned on first use: older emulators answer 404 for /_aurora-ml/statements and /_aurora-ml/connections. */
  private statementsRoute: boolean | undefined;
  private connectionsRoute: boolean | undefined;

  constructor(readonly baseUrl: string) {}

  private async send(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl), {
        method,
        // Writes under /_aurora-ml/ need a JSON content type (the API's guard against cross-site requests).
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      throw new DemoApiError(
        `cannot reach the emulator's API at ${this.baseUrl} (${(err as Error).message}); is it running? (--api)`,
      );
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text === '' ? null : JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: res.status, json };
  }

  private async ok(method: string, path: string, body?: unknown): Promise<unknown> {
    const { status, json } = await this.send(method, path, body);
    if (status >= 400) throw new DemoApiError(`${method} ${path} answered ${status}: ${JSON.stringify(json)}`);
    return json;
  }

  /** A target's own tuning now (undefined: it has none, the service's applies). */
  async targetTuning(service: Service, target: string): Promise<Tuning | undefined> {
    const controls = (await this.ok('GET', '/_aurora-ml/backends')) as Record<string, { targets?: Record<string, Tuning> }>;
    return controls[service]?.targets?.[target];
  }

  /**
   * Gives targets their own latency/capacity for the demo, and returns how to
   * put back what they had: the demo's settings never outlive it, and the
   * service-wide settings (someone else's) are not touched.
   */
  async tuneTargets(service: Service, targets: Readonly<Record<string, Tuning>>): Promise<() => Promise<void>> {
    const before: Record<string, Tuning | null> = {};
    for (const name of Object.keys(targets)) before[name] = (await this.targetTuning(service, name)) ?? null;
    const replace: Record<string, unknown> = {};
    for (const [name, tuning] of Object.entries(targets)) {
      // A patch key left out keeps its old value: name every setting, so the demo's own are the only ones.
      replace[name] = { latency: tuning.latency ?? null, capacity: tuning.capacity ?? null, faults: tuning.faults ?? null };
    }
    await this.ok('PATCH', '/_aurora-ml/backends', { [service]: { targets: replace } });
    return async () => {
      const restore: Record<string, unknown> = {};
      for (const [name, tuning] of Object.entries(before)) {
        restore[name] =
          tuning === null
            ? null
            : { latency: tuning.latency ?? null, capacity: tuning.capacity ?? null, faults: tuning.faults ?? null };
      }
      await this.ok('PATCH', '/_aurora-ml/backends', { [service]: { targets: restore } });
    };
  }

  /** Declares a SageMaker endpoint (a spec as in the config file); returns how to remove it again. */
  async declareEndpoint(name: string, spec: Record<string, unknown>): Promise<() => Promise<void>> {
    const path = `/_aurora-ml/backends/sagemaker/endpoints/${encodeURIComponent(name)}`;
    const existing = await this.send('GET', path);
    await this.ok('PUT', path, spec);
    return async () => {
      if (existing.status === 200) await this.ok('PUT', path, existing.json);
      else await this.ok('DELETE', path);
    };
  }

  /** Backend calls in the call log matching the filter (service, connection, since, ...). */
  async calls(filter: Readonly<Record<string, string | number>>): Promise<CallEntry[]> {
    const query = new URLSearchParams(Object.entries(filter).map(([k, v]): [string, string] => [k, String(v)]));
    const body = (await this.ok('GET', `/_aurora-ml/calls?${query}`)) as { calls: CallEntry[] };
    return body.calls;
  }

  /**
   * The statements running now, or undefined when this emulator has no
   * statement view (then the demos estimate progress from the call log).
   */
  async runningStatements(): Promise<StatementView[] | undefined> {
    if (this.statementsRoute === false) return undefined;
    const { status, json } = await this.send('GET', '/_aurora-ml/statements');
    this.statementsRoute = status === 200;
    if (status !== 200) return undefined;
    const running = (json as { running?: unknown }).running;
    return Array.isArray(running) ? (running as StatementView[]) : [];
  }

  /**
   * Client connections of the PostgreSQL front with a statement waiting on
   * its ML calls now (/_aurora-ml/connections), or undefined when this
   * emulator does not serve that view.
   */
  async waitingOnMl(): Promise<number | undefined> {
    if (this.connectionsRoute === false) return undefined;
    const { status, json } = await this.send('GET', '/_aurora-ml/connections');
    this.connectionsRoute = status === 200;
    const waiting = (json as { postgres?: { waitingOnMl?: unknown } } | null)?.postgres?.waitingOnMl;
    return status === 200 && typeof waiting === 'number' ? waiting : undefined;
  }

  /** Calls SageMaker Runtime InvokeEndpoint on the API port, as another application would (no SQL). */
  async invokeEndpoint(name: string, csv: string, signal: AbortSignal): Promise<number> {
    const res = await fetch(new URL(`/endpoints/${encodeURIComponent(name)}/invocations`, this.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: csv,
      signal,
    });
    await res.arrayBuffer();
    return res.status;
  }
}
