/**
 * The demos' terminal narration: headings, lines and progress bars. On a
 * terminal, bars redraw in place with ANSI colours; anywhere else (a pipe, a
 * CI log, a test) there are no escape codes and no bars, only each bar's
 * final line, so logs stay readable.
 */

export interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface ProgressBar {
  /** Redraws the bar (at most ten times a second) at `done` of `total`, with an optional note after it. */
  update(done: number, note?: string): void;
  /** Ends the bar with its final line. */
  finish(summary: string): void;
}

const WIDTH = 30;
const REDRAW_EVERY_MS = 100;

const ansi = {
  bold: (s: string) => `\x1b[1m${s}\x1b[22m`,
  dim: (s: string) => `\x1b[2m${s}\x1b[22m`,
  cyan: (s: string) => `\x1b[36m${s}\x1b[39m`,
  green: (s: string) => `\x1b[32m${s}\x1b[39m`,
  red: (s: string) => `\x1b[31m${s}\x1b[39m`,
};

/** Silent narration (runDemo's default: tests and the dashboard want the numbers, not the text). */
export const SILENT: Output = { write: () => true, isTTY: false };

export class Narrator {
  private readonly tty: boolean;

  constructor(private readonly out: Output = SILENT) {
    this.tty = out.isTTY === true;
  }

  heading(text: string): void {
    this.out.write(`\n${this.tty ? ansi.bold(ansi.cyan(text)) : `== ${text}`}\n`);
  }

  line(text: string): void {
    this.out.write(`${text}\n`);
  }

  /** A line that points at the effect the demo is there to show. */
  highlight(text: string): void {
    this.out.write(`${this.tty ? ansi.bold(text) : text}\n`);
  }

  /** A line about something going wrong (timeouts, failed health checks). */
  warn(text: string): void {
    this.out.write(`${this.tty ? ansi.red(text) : text}\n`);
  }

  note(text: string): void {
    this.out.write(`${this.tty ? ansi.dim(text) : text}\n`);
  }

  /** A bar at `done` of `total`; `format` shows both numbers (default: counts such as 1,234). */
  progress(label: string, total: number, format: (n: number) => string = formatCount): ProgressBar {
    let last = 0;
    let drawn = false;
    const draw = (done: number, note: string) => {
      const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
      const filled = Math.round(fraction * WIDTH);
      const bar = ansi.green('█'.repeat(filled)) + ansi.dim('░'.repeat(WIDTH - filled));
      const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
      this.out.write(`\r\x1b[2K${label} ${bar} ${percent} ${format(done)}/${format(total)}${note ? `  ${note}` : ''}`);
      drawn = true;
    };
    return {
      update: (done, note = '') => {
        if (!this.tty) return;
        const now = Date.now();
        if (now - last < REDRAW_EVERY_MS && done < total) return;
        last = now;
        draw(done, note);
      },
      finish: (summary) => {
        if (this.tty && drawn) this.out.write('\r\x1b[2K');
        this.out.write(`${label} ${summary}\n`);
      },
    };
  }
}

/** 12345 -> "12,345": counts read at a glance. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Milliseconds as the narration and charts show them: 0.8 ms, 42 ms, 1.25 s, 19.3 min. */
export function formatMs(ms: number): string {
  if (ms >= 120_000) return `${(ms / 60_000).toFixed(1)} min`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${Math.round(ms)} ms`;
  return `${ms.toFixed(1)} ms`;
}
