// Reading the README as an operator would: the command lines of its ```sh blocks, and
// the `vmha ...` commands quoted in its prose. Pure text functions.

export interface CommandLine {
  /** The command as written, comment stripped, spaces collapsed. */
  text: string;
  line: number;
}

/** Every command line of the ```sh blocks (comments and blank lines skipped). */
export function shCommands(markdown: string): CommandLine[] {
  const out: CommandLine[] = [];
  let inSh = false;
  markdown.split('\n').forEach((raw, i) => {
    if (/^```/.test(raw)) {
      inSh = !inSh && /^```(sh|bash|shell)\s*$/.test(raw);
      return;
    }
    if (!inSh) return;
    const text = stripComment(raw).trim().replace(/\s+/g, ' ');
    if (text) out.push({ text, line: i + 1 });
  });
  return out;
}

/** Inline code spans of the prose (fenced blocks excluded) that start with "vmha ". */
export function inlineVmha(markdown: string): CommandLine[] {
  const out: CommandLine[] = [];
  let fenced = false;
  markdown.split('\n').forEach((raw, i) => {
    if (/^```/.test(raw)) {
      fenced = !fenced;
      return;
    }
    if (fenced) return;
    for (const m of raw.matchAll(/`(vmha [^`]*)`/g)) out.push({ text: m[1]!.trim().replace(/\s+/g, ' '), line: i + 1 });
  });
  return out;
}

/** A shell comment starts at a # that begins a word, outside quotes. */
function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) {
      return line.slice(0, i);
    }
  }
  return line;
}

/** Splits a simple command line into words as sh would (quotes, no expansions). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur: string | null = null;
  let quote: string | null = null;
  for (const c of line) {
    if (quote) {
      if (c === quote) quote = null;
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      cur ??= '';
    } else if (/\s/.test(c)) {
      if (cur !== null) words.push(cur);
      cur = null;
    } else {
      cur = (cur ?? '') + c;
    }
  }
  if (quote) throw new Error(`unterminated quote in: ${line}`);
  if (cur !== null) words.push(cur);
  return words;
}
