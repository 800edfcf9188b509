/**
 * The last few answers of a pure function of a short SQL text: one statement
 * is read by several parsers in turn (the splitter, the classifier, the call
 * finder, the planner, the sealed-statement check), and each would otherwise
 * scan it again. Long texts are not kept (a bulk INSERT's megabytes would
 * stay alive); answers are shared between readers, so they must be immutable.
 */
export class RecentTexts<V> {
  private readonly kept: { sql: string; variant: number; value: V }[] = [];
  private next = 0;

  constructor(
    private readonly size: number,
    private readonly maxLength = 4096,
  ) {}

  /** `variant` tells apart the options the answer depends on (a small bit set). */
  get(sql: string, variant: number, compute: () => V): V {
    if (sql.length > this.maxLength) return compute();
    for (const k of this.kept) if (k.variant === variant && k.sql === sql) return k.value;
    const value = compute();
    this.kept[this.next] = { sql, variant, value };
    this.next = (this.next + 1) % this.size;
    return value;
  }
}
