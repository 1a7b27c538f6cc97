// Output helpers of the alarm commands: aligned tables for people, and a progress
// display that is a single rewritten line on a terminal and plain lines otherwise.
import type { CliIO } from '../io.ts';

/** Left-aligned columns separated by two spaces; the header row first. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** A value as shown in a change line: numbers and strings plainly, anything else as JSON. */
export function show(v: unknown): string {
  if (v === undefined) return '(none)';
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
}

/**
 * Progress of a run over `total` items. On a terminal: one line rewritten in place
 * (bar, count, tallies). Otherwise every reported item is its own line, which is what
 * a log file or a pipe wants.
 */
export class Progress {
  private done = 0;
  private readonly tallies = new Map<string, number>();
  private drawn = false;

  constructor(
    private readonly io: CliIO,
    private readonly total: number,
    private readonly enabled: boolean,
  ) {}

  /** One item finished; `line` is printed as is when not on a terminal. */
  item(tally: string, line: string): void {
    this.done += 1;
    this.tallies.set(tally, (this.tallies.get(tally) ?? 0) + 1);
    if (!this.enabled) return;
    if (this.io.isTTY) this.draw();
    else this.io.stdout(line + '\n');
  }

  /** Ends the progress line so that what follows starts on a fresh line. */
  finish(): void {
    if (this.enabled && this.io.isTTY && this.drawn) this.io.stdout('\n');
  }

  private draw(): void {
    const width = 30;
    const filled = this.total ? Math.round((this.done / this.total) * width) : width;
    const counts = [...this.tallies].map(([k, v]) => `${k} ${v}`).join('  ');
    this.io.stdout(`\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${this.total}  ${counts}`);
    this.drawn = true;
  }
}

/** "1 alarm", "3 alarms". */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
