/**
 * Best-effort "where does the time go" for ML statements: wraps two emulator
 * internals in this process (the upstream exchange `UpstreamLink.send` and
 * `MlEvaluator.evaluate`) with timers, without changing src/. The modules are
 * imported by computed path and checked at run time, so a refactor of those
 * internals only turns the breakdown off (`installPhaseProbe` returns null).
 */

export interface PhaseTotal {
  readonly phase: string;
  readonly count: number;
  readonly totalMs: number;
}

export interface PhaseProbe {
  /** Start (or restart) recording; the client statement whose passes are timed starts with `statementPrefix`. */
  start(statementPrefix: string): void;
  stop(): PhaseTotal[];
  /** Puts the original methods back. */
  uninstall(): void;
}

type AsyncMethod = (this: unknown, ...args: unknown[]) => Promise<unknown>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null;
}

/** The prototype of `exportName` in the module, if it has an async `method`. */
async function prototypeWith(path: string, exportName: string, method: string): Promise<Record<string, unknown> | null> {
  try {
    const mod: unknown = await import(new URL(path, import.meta.url).href);
    if (!isRecord(mod)) return null;
    const cls = mod[exportName];
    if (typeof cls !== 'function' || !isRecord(cls.prototype)) return null;
    const proto: Record<string, unknown> = cls.prototype;
    return typeof proto[method] === 'function' ? proto : null;
  } catch {
    return null;
  }
}

/** The SQL of every Query ('Q') and Parse ('P') message in an exchange's buffers. */
function sqlTexts(messages: unknown): string[] {
  if (!Array.isArray(messages)) return [];
  const texts: string[] = [];
  for (const buffer of messages as unknown[]) {
    if (!Buffer.isBuffer(buffer)) continue;
    for (let at = 0; at + 5 <= buffer.length; ) {
      const code = buffer[at];
      const end = at + 1 + buffer.readInt32BE(at + 1);
      if (end > buffer.length || end <= at) break;
      const body = buffer.subarray(at + 5, end);
      if (code === 0x51) texts.push(body.subarray(0, body.length - 1).toString('utf8'));
      else if (code === 0x50) {
        const nameEnd = body.indexOf(0);
        const sqlEnd = body.indexOf(0, nameEnd + 1);
        if (nameEnd >= 0 && sqlEnd > nameEnd) texts.push(body.subarray(nameEnd + 1, sqlEnd).toString('utf8'));
      }
      at = end;
    }
  }
  return texts;
}

/**
 * Names an exchange by what it carries (the loop may send its own statements
 * and the next run of the client's statement in one round trip).
 * `pass` is how many runs of the statement this ML statement made before.
 */
function classify(texts: readonly string[], statementPrefix: string, pass: number): { phase: string; runs: number } {
  const parts: string[] = [];
  let runs = 0;
  for (const sql of texts) {
    const text = sql.trim();
    let part: string;
    if (text.startsWith(statementPrefix)) {
      part = pass + runs === 0 ? 'run 1 (misses: NOTICE per call)' : 'run 2+ (cache hits)';
      runs++;
    } else if (/\bCOPY\b/.test(text)) part = 'cache fill (ROLLBACK TO, COPY)';
    else if (/^BEGIN\b|CREATE TEMP TABLE/i.test(text)) part = 'setup (BEGIN, temp table, settings)';
    else if (/^(COMMIT|RELEASE SAVEPOINT)\b/i.test(text)) part = 'COMMIT / RELEASE';
    else part = `other: ${text.slice(0, 30)}`;
    if (!parts.includes(part)) parts.push(part);
  }
  return { phase: parts.length > 0 ? parts.join(' + ') : 'other', runs };
}

export async function installPhaseProbe(): Promise<PhaseProbe | null> {
  const link = await prototypeWith('../src/wire/pg/upstream.ts', 'UpstreamLink', 'send');
  const evaluator = await prototypeWith('../src/ml/evaluator.ts', 'MlEvaluator', 'evaluate');
  if (link === null || evaluator === null) return null;
  const originalSend = link.send as AsyncMethod;
  const originalEvaluate = evaluator.evaluate as AsyncMethod;

  let recording = false;
  let prefix = '';
  let passes = 0;
  const totals = new Map<string, { count: number; totalMs: number }>();
  const record = (phase: string, ms: number) => {
    if (!recording) return;
    const entry = totals.get(phase) ?? { count: 0, totalMs: 0 };
    entry.count++;
    entry.totalMs += ms;
    totals.set(phase, entry);
  };

  const send: AsyncMethod = async function (this: unknown, ...args: unknown[]) {
    let phase = '';
    if (recording) {
      const texts = sqlTexts(args[0]);
      if (texts.some((t) => /^\s*(BEGIN\b|CREATE TEMP TABLE)/i.test(t))) passes = 0;
      const named = classify(texts, prefix, passes);
      phase = named.phase;
      passes += named.runs;
    }
    const started = performance.now();
    try {
      return await originalSend.apply(this, args);
    } finally {
      record(phase, performance.now() - started);
    }
  };
  const evaluate: AsyncMethod = async function (this: unknown, ...args: unknown[]) {
    const started = performance.now();
    try {
      return await originalEvaluate.apply(this, args);
    } finally {
      record('model evaluation (in the emulator)', performance.now() - started);
    }
  };
  link.send = send;
  evaluator.evaluate = evaluate;

  return {
    start(statementPrefix) {
      prefix = statementPrefix.trim();
      passes = 0;
      totals.clear();
      recording = true;
    },
    stop() {
      recording = false;
      return [...totals].map(([phase, t]) => ({ phase, count: t.count, totalMs: t.totalMs }));
    },
    uninstall() {
      recording = false;
      link.send = originalSend;
      evaluator.evaluate = originalEvaluate;
    },
  };
}
