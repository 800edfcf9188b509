/**
 * Aurora MySQL's built-in ML functions on the MySQL wire front (first slice:
 * aws_comprehend_detect_sentiment and _confidence in single COM_QUERY
 * statements). Same loop as PostgreSQL: savepoint, run, collect the misses the
 * stubs recorded, roll back, evaluate, fill the cache, run again until no miss.
 */
import type { Logger } from 'pino';
import { EmulatorError, toEmulatorError } from '../../errors.ts';
import type { JsonValue, MlCall, MlFunction } from '../../ml/calls.ts';
import type { MlEvaluator } from '../../ml/evaluator.ts';
import { limits } from '../../ml/limits.ts';
import { MlStats } from '../../ml/stats.ts';
import { findMlCalls, mightTouchMl } from '../../sql/mysql/ml-calls.ts';
import { classifyStatement } from '../../sql/mysql/statement-kind.ts';
import { splitStatements } from '../../sql/mysql/statement-split.ts';
import { Packet } from '../../wire/mysql/framer.ts';
import { parseErr, textRows } from '../../wire/mysql/messages.ts';
import { serialize } from '../../wire/mysql/serializer.ts';
import type { ControlledUpstream, SessionInfo, StatementHandler } from '../../wire/mysql/statement-handler.ts';
import { restoreColumnName } from './column-names.ts';
import { withoutInTransaction } from './server-status.ts';
import {
  CACHE_TABLE,
  installStatements,
  MISS_TABLE,
  MODE_VARIABLE,
  SEED_DIRECT_SAGEMAKER,
  SESSION_TABLES,
  STUB_SCHEMA,
  stubFor,
} from './stubs.ts';

const MAX_ROUNDS = 12;
const SAVEPOINT = 'aurora_ml_statement';

export interface MySqlAuroraOptions {
  readonly evaluator: MlEvaluator;
  /** Seed extensions become errors (reference §1). */
  readonly strict: boolean;
  readonly log: Logger;
}

const isErr = (p: Packet) => p.payload[0] === 0xff;
const hex = (s: string) => `0x${Buffer.from(s, 'utf8').toString('hex') || '00'}`;

export class MySqlAuroraHandler implements StatementHandler {
  /** Per client connection: its aurora_ml_inference_timeout and the ML work in flight (for KILL QUERY). */
  private readonly sessions = new Map<number, { inferenceTimeoutMs: number; work: AbortController | null }>();

  private session(id: number) {
    const known = this.sessions.get(id);
    if (known !== undefined) return known;
    const state = { inferenceTimeoutMs: limits.defaultInferenceTimeoutMs, work: null as AbortController | null };
    this.sessions.set(id, state);
    return state;
  }

  onSessionEnd(session: SessionInfo): void {
    this.sessions.delete(session.connectionId);
  }

  /** The stub database, installed once per emulator process (sessions wait for the same install). */
  private installing: Promise<void> | null = null;

  constructor(private readonly options: MySqlAuroraOptions) {}

  wantsQuery(sql: string, _session: SessionInfo): boolean {
    if (STATUS_WORDS.test(sql) && this.statusCommand(sql) !== null) return true;
    if (SETTING_WORD.test(sql) && (SET_TIMEOUT.test(sql) || SHOW_TIMEOUT.test(sql))) return true;
    if (KILL.test(sql)) return true;
    if (!mightTouchMl(sql)) return false;
    try {
      return this.rewrite(sql) !== null;
    } catch {
      return true; // runQuery answers with the error (e.g. strict mode)
    }
  }

  /** SHOW STATUS asking for Aurora_ml counters, or FLUSH STATUS (which also resets them). */
  private statusCommand(sql: string): { kind: 'show'; pattern: RegExp } | { kind: 'flush' } | null {
    const kind = classifyStatement(sql);
    if (kind === 'flush_status') return { kind: 'flush' };
    if (kind !== 'show_status') return null;
    const like = /\blike\s+'([^']*)'\s*;?\s*$/i.exec(sql);
    if (like === null) return null;
    const pattern = likePattern(like[1] ?? '');
    return STATUS_NAMES.some((n) => pattern.test(n)) ? { kind: 'show', pattern } : null;
  }

  /** The statement with built-in calls pointed at the stubs, or null when it has none to rewrite. */
  private rewrite(sql: string, unicodeConnection = true): string | null {
    if (splitStatements(sql).length !== 1) return null;
    const calls = findMlCalls(sql).filter((c) => stubFor(c.fn, c.args.length, unicodeConnection) !== undefined);
    if (calls.length === 0) return null;
    if (this.options.strict && calls.some((c) => c.fn === SEED_DIRECT_SAGEMAKER)) {
      throw new EmulatorError(
        'NotSupportedByAurora',
        'aws_sagemaker_invoke_endpoint() is not supported by Aurora as a direct call (aurora-ml-emulator strict mode)',
        { hint: 'Declare a function with CREATE FUNCTION ... ALIAS AWS_SAGEMAKER_INVOKE_ENDPOINT ENDPOINT NAME ...' },
      );
    }
    let out = '';
    let at = 0;
    for (const call of [...calls].sort((a, b) => a.start - b.start)) {
      if (call.start < at) continue; // nested inside a call already rewritten as a whole
      const stub = `${STUB_SCHEMA}.${stubFor(call.fn, call.args.length, unicodeConnection)}`;
      out += sql.slice(at, call.start);
      if (call.fn === SEED_DIRECT_SAGEMAKER) {
        const [endpoint, ...inputs] = call.args;
        out += `${stub}(${endpoint?.text ?? 'NULL'}, JSON_ARRAY(${inputs.map((a) => a.text).join(', ')}))`;
        at = call.close + 1;
      } else {
        out += stub;
        at = call.nameEnd;
      }
    }
    return out + sql.slice(at);
  }

  async runQuery(sql: string, up: ControlledUpstream): Promise<void> {
    const status = this.statusCommand(sql);
    if (status !== null) return this.answerStatus(sql, status, up);
    if (KILL.test(sql)) return this.kill(sql, up);
    const set = SET_TIMEOUT.exec(sql);
    if (set !== null) return this.setTimeout(set[1] ?? '', up);
    if (SHOW_TIMEOUT.test(sql)) {
      const value = this.session(up.session.connectionId).inferenceTimeoutMs;
      const answer = await up.query(`SELECT 'aurora_ml_inference_timeout' AS Variable_name, '${value}' AS Value`);
      up.toClient(Buffer.concat(answer.map((p) => p.raw)));
      return;
    }
    try {
      const answer = await this.run(sql, up);
      up.toClient(Buffer.concat(answer.map((p) => p.raw)));
    } catch (err) {
      const error = toEmulatorError(err);
      if (error.code === 'Internal') this.options.log.error({ err }, 'ML statement failed inside the emulator');
      up.toClient(serialize.emulatorError(error, 1));
    }
  }

  /** SET [SESSION] aurora_ml_inference_timeout = n: kept by the emulator (the server has no such variable). */
  private async setTimeout(value: string, up: ControlledUpstream): Promise<void> {
    const ms = Number(value);
    if (!/^\d+$/.test(value) || ms <= 0) {
      up.toClient(
        serialize.emulatorError(
          new EmulatorError(
            'WrongValueForVariable',
            `Variable 'aurora_ml_inference_timeout' can't be set to the value of '${value}'`,
          ),
          1,
        ),
      );
      return;
    }
    this.session(up.session.connectionId).inferenceTimeoutMs = ms;
    // The server's own OK packet, so its status flags are this session's.
    const answer = await up.query('DO 0');
    up.toClient(Buffer.concat(answer.map((p) => p.raw)));
  }

  /**
   * KILL [QUERY] id aimed at a connection whose ML statement is in flight
   * stops that statement here (it ends with 1317 Query execution was
   * interrupted); other KILLs go to the server. Sending it to the server too
   * could interrupt the emulator's own cleanup statements of that connection.
   */
  private async kill(sql: string, up: ControlledUpstream): Promise<void> {
    const work = this.sessions.get(Number(KILL.exec(sql)?.[1]))?.work;
    if (work) work.abort();
    const answer = await up.query(work ? 'DO 0' : sql);
    up.toClient(Buffer.concat(answer.map((p) => p.raw)));
  }

  /** Aurora_ml_* rows come from the emulator's counters; FLUSH STATUS still reaches the server. */
  private async answerStatus(
    sql: string,
    status: { kind: 'show'; pattern: RegExp } | { kind: 'flush' },
    up: ControlledUpstream,
  ): Promise<void> {
    if (status.kind === 'flush') {
      const answer = await up.query(sql);
      if (answer[0] !== undefined && !isErr(answer[0])) this.options.evaluator.stats.reset();
      up.toClient(Buffer.concat(answer.map((p) => p.raw)));
      return;
    }
    const rows = statusRows(this.options.evaluator.stats).filter(([name]) => status.pattern.test(name));
    // The upstream encodes the rows, so the packets match whatever this connection negotiated.
    const select = rows.map(([name, value]) => `SELECT '${name}' AS Variable_name, '${value}' AS Value`).join(' UNION ALL ');
    const answer = await up.query(select);
    up.toClient(Buffer.concat(answer.map((p) => p.raw)));
  }

  private async exec(up: ControlledUpstream, sql: string): Promise<Packet[]> {
    const answer = await up.query(sql);
    const first = answer[0];
    if (first !== undefined && isErr(first)) {
      const err = parseErr(first.payload);
      throw new EmulatorError('Internal', `emulator statement failed: ${err.message}`);
    }
    return answer;
  }

  private ensureStubs(up: ControlledUpstream): Promise<void> {
    if (this.installing === null) {
      this.installing = (async () => {
        for (const statement of installStatements()) await this.exec(up, statement);
      })();
      // A failed install is tried again by the next statement.
      this.installing.catch(() => {
        this.installing = null;
      });
    }
    return this.installing;
  }

  /** Runs the statement to convergence; returns the final run's answer with the client's column names. */
  private async run(sql: string, up: ControlledUpstream): Promise<Packet[]> {
    await this.ensureStubs(up);
    for (const statement of SESSION_TABLES) await this.exec(up, statement);
    await this.exec(up, `DELETE FROM ${MISS_TABLE}`);
    await this.exec(up, `DELETE FROM ${CACHE_TABLE}`);
    const [session] = textRows(await this.exec(up, 'SELECT @@in_transaction, @@character_set_connection'), 2);
    const own = session?.[0] !== '1';
    // Comparisons with literals need a result charset that wins over the connection's (design notes).
    const rewritten = this.rewrite(sql, /^(utf8|ucs2|utf16|utf32)/i.test(session?.[1] ?? 'utf8mb4'));
    if (rewritten === null) throw new EmulatorError('Internal', 'statement has no ML call to run');
    if (own) await this.exec(up, 'START TRANSACTION');
    await this.exec(up, `SET ${MODE_VARIABLE} = 1`);
    await this.exec(up, `SAVEPOINT ${SAVEPOINT}`);
    const known = new Set<string>();
    let firstRunCalls = 0;
    const state = this.session(up.session.connectionId);
    const work = new AbortController();
    state.work = work;
    const signal = AbortSignal.any([up.signal, work.signal]);
    try {
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const answer = await up.query(rewritten);
        if (signal.aborted) throw new EmulatorError('QueryCanceled', 'Query execution was interrupted');
        const { misses, rowCalls } = await this.misses(up, known);
        if (round === 0) firstRunCalls = rowCalls;
        if (misses.length === 0) {
          if (answer[0] !== undefined && isErr(answer[0])) {
            await this.finish(up, own, false);
            return answer;
          }
          await this.finish(up, own, true);
          // Counters with Aurora's meanings: logical = row-level calls, cache hits = repeats of an input.
          const stats = this.options.evaluator.stats;
          stats.logicalRequests += firstRunCalls;
          stats.logicalResponses += firstRunCalls;
          stats.cacheHits += Math.max(0, firstRunCalls - known.size);
          const named = withClientColumnNames(answer);
          return own ? withoutInTransaction(named) : named;
        }
        await this.exec(up, `ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
        const results = await this.options.evaluator.evaluate(misses, {
          user: up.session.user,
          database: up.session.database,
          signal,
          statementDeadline: Number.POSITIVE_INFINITY,
          inferenceTimeoutMs: state.inferenceTimeoutMs,
        });
        for (const call of misses) known.add(call.key);
        const rows = [...results].map(([k, v]) => `(${hex(k)}, ${v === null ? 'NULL' : hex(v)})`);
        if (rows.length > 0) await this.exec(up, `INSERT INTO ${CACHE_TABLE} (k, v) VALUES ${rows.join(', ')}`);
        await this.exec(up, `DELETE FROM ${MISS_TABLE}`);
      }
      throw new EmulatorError('DidNotConverge', `the arguments of the ML calls kept changing over ${MAX_ROUNDS} executions`);
    } catch (err) {
      await this.finish(up, own, false).catch(() => {});
      throw err;
    } finally {
      state.work = null;
    }
  }

  private async misses(up: ControlledUpstream, known: ReadonlySet<string>): Promise<{ misses: MlCall[]; rowCalls: number }> {
    const answer = await this.exec(up, `SELECT k, f, a FROM ${MISS_TABLE}`);
    const calls = new Map<string, MlCall>();
    const rows = textRows(answer, 3);
    for (const row of rows) {
      const [k, f, a] = row;
      if (k == null || f == null || a == null || known.has(k) || calls.has(k)) continue;
      calls.set(k, { fn: f as MlFunction, key: k, args: JSON.parse(a) as JsonValue[] });
    }
    return { misses: [...calls.values()], rowCalls: rows.length };
  }

  private async finish(up: ControlledUpstream, own: boolean, ok: boolean): Promise<void> {
    await up.query(`SET ${MODE_VARIABLE} = NULL`);
    if (own) await up.query(ok ? 'COMMIT' : 'ROLLBACK');
    else await up.query(ok ? `RELEASE SAVEPOINT ${SAVEPOINT}` : `ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
  }
}

/** Column definitions come right after the column count packet. */
function withClientColumnNames(answer: readonly Packet[]): Packet[] {
  const head = answer[0];
  if (head === undefined || head.payload[0] === 0x00 || head.payload[0] === 0xff) return [...answer];
  const count = head.payload[0] ?? 0;
  return answer.map((p, i) => {
    if (i < 1 || i > count) return p;
    const patched = restoreColumnName(p);
    return patched === null ? p : new Packet(p.sequenceId, patched, p.payload);
  });
}

const STATUS_WORDS = /\bstatus\b/i;
const SETTING_WORD = /aurora_ml_inference_timeout/i;
const SET_TIMEOUT =
  /^\s*SET\s+(?:SESSION\s+|@@SESSION\.|@@|LOCAL\s+)?aurora_ml_inference_timeout\s*(?:=|:=|TO)\s*'?([^';\s]*)'?\s*;?\s*$/i;
const SHOW_TIMEOUT = /^\s*SHOW\s+(?:SESSION\s+|LOCAL\s+)?VARIABLES\s+LIKE\s+'aurora_ml_inference_timeout'\s*;?\s*$/i;
const KILL = /^\s*KILL\s+(?:QUERY\s+|CONNECTION\s+)?(\d+)\s*;?\s*$/i;

/** Aurora MySQL's status variables (reference §2), from the shared counters. */
function statusRows(stats: MlStats): [string, string][] {
  return [
    ['Aurora_ml_actual_request_cnt', stats.actualRequests],
    ['Aurora_ml_actual_response_cnt', stats.actualResponses],
    ['Aurora_ml_cache_hit_cnt', stats.cacheHits],
    ['Aurora_ml_logical_request_cnt', stats.logicalRequests],
    ['Aurora_ml_logical_response_cnt', stats.logicalResponses],
    ['Aurora_ml_retry_request_cnt', stats.retries],
    ['Aurora_ml_single_request_cnt', stats.singleRequests],
  ].map(([name, value]) => [String(name), String(value)]);
}

const STATUS_NAMES = statusRows(new MlStats()).map(([name]) => name);

/** SQL LIKE (case-insensitive, as SHOW STATUS matches) as a RegExp. */
function likePattern(like: string): RegExp {
  let source = '';
  for (let i = 0; i < like.length; i++) {
    const c = like[i] as string;
    if (c === '\\' && i + 1 < like.length) source += (like[++i] as string).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (c === '%') source += '.*';
    else if (c === '_') source += '.';
    else source += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'i');
}
