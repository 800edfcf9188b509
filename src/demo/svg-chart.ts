/**
 * The demos' summary charts: panels of labelled bars, written as SVG by hand
 * (no dependency, opens in any browser, diffable). Every bar carries its
 * number as text, so the chart reads without hovering and its numbers can be
 * checked in the file.
 */

export type Tone = 'plain' | 'ml' | 'bad' | 'good';

export interface Bar {
  readonly label: string;
  readonly value: number;
  /** The number as shown above the bar (default: the value, rounded). */
  readonly text?: string;
  readonly tone?: Tone;
}

export interface Panel {
  readonly title: string;
  readonly bars: readonly Bar[];
}

export interface Chart {
  readonly title: string;
  readonly subtitle: string;
  readonly panels: readonly Panel[];
  /** Lines under the panels: what was measured, and how. */
  readonly notes?: readonly string[];
}

const COLORS: Readonly<Record<Tone, string>> = {
  plain: '#7f8c9a',
  ml: '#e0892b',
  bad: '#c8423b',
  good: '#3d9a5b',
};

const PANEL_WIDTH = 250;
const PANEL_HEIGHT = 220;
const PLOT_HEIGHT = 140;
const MARGIN = 20;
const HEADER = 70;
const NOTE_LINE = 18;

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

function barText(bar: Bar): string {
  return bar.text ?? (Number.isInteger(bar.value) ? String(bar.value) : bar.value.toFixed(1));
}

function panelSvg(panel: Panel, x: number, y: number): string {
  const max = Math.max(...panel.bars.map((b) => b.value), 0) || 1;
  const slot = (PANEL_WIDTH - 20) / Math.max(1, panel.bars.length);
  const barWidth = Math.min(56, slot * 0.6);
  // Room above the tallest bar for its number, below the panel's title.
  const baseline = y + 45 + PLOT_HEIGHT;
  const parts = [
    `<text x="${x + PANEL_WIDTH / 2}" y="${y + 14}" text-anchor="middle" class="panel">${escapeXml(panel.title)}</text>`,
    `<line x1="${x + 8}" y1="${baseline}" x2="${x + PANEL_WIDTH - 8}" y2="${baseline}" class="axis"/>`,
  ];
  panel.bars.forEach((bar, i) => {
    const height = Math.max(bar.value > 0 ? 1 : 0, (bar.value / max) * PLOT_HEIGHT);
    const cx = x + 10 + slot * i + slot / 2;
    parts.push(
      `<rect x="${(cx - barWidth / 2).toFixed(1)}" y="${(baseline - height).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${height.toFixed(1)}" fill="${COLORS[bar.tone ?? 'plain']}"/>`,
      `<text x="${cx.toFixed(1)}" y="${(baseline - height - 5).toFixed(1)}" text-anchor="middle" class="value">${escapeXml(barText(bar))}</text>`,
      `<text x="${cx.toFixed(1)}" y="${baseline + 16}" text-anchor="middle" class="label">${escapeXml(bar.label)}</text>`,
    );
  });
  return parts.join('\n');
}

/** Splits a note into lines that fit the chart's width (11 px text is about 6 px a character). */
function wrap(text: string, width: number): string[] {
  const max = Math.max(40, Math.floor(width / 6));
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > max) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

export function chartSvg(chart: Chart): string {
  const width = MARGIN * 2 + PANEL_WIDTH * Math.max(1, chart.panels.length);
  const notes = (chart.notes ?? []).flatMap((n) => wrap(n, width - MARGIN * 2));
  const height = HEADER + PANEL_HEIGHT + notes.length * NOTE_LINE + MARGIN;
  const body = [
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${MARGIN}" y="30" class="title">${escapeXml(chart.title)}</text>`,
    `<text x="${MARGIN}" y="52" class="subtitle">${escapeXml(chart.subtitle)}</text>`,
    ...chart.panels.map((p, i) => panelSvg(p, MARGIN + i * PANEL_WIDTH, HEADER)),
    ...notes.map(
      (n, i) => `<text x="${MARGIN}" y="${HEADER + PANEL_HEIGHT + (i + 1) * NOTE_LINE - 4}" class="note">${escapeXml(n)}</text>`,
    ),
  ];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif">`,
    '<style>.title{font-size:20px;font-weight:600;fill:#1d2733}.subtitle{font-size:13px;fill:#4a5663}.panel{font-size:13px;font-weight:600;fill:#1d2733}.value{font-size:12px;fill:#1d2733}.label{font-size:11px;fill:#4a5663}.note{font-size:11px;fill:#4a5663}.axis{stroke:#b8c0c8;stroke-width:1}</style>',
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
