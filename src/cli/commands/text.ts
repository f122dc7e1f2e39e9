import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { AppError } from '../../server/platform/errors.js';
import { normalizeText, type NormalizedText } from '../../server/modules/text/index.js';
import { CliError, EXIT } from '../exit.js';

/** The bytes of FILE, or of standard input when no file is named. A missing file is exit 5. */
export function readInput(file: string | undefined): Buffer {
  if (file === undefined || file === '-') return readFileSync(0);
  if (!existsSync(file)) throw new CliError(`file not found: ${file}`, EXIT.INPUT);
  return readFileSync(file);
}

/** normalizeText with its refusals (empty, binary, unknown encoding) as exit 5 and the reason. */
export function restore(input: Buffer, name: string): NormalizedText {
  try {
    return normalizeText(input);
  } catch (err) {
    if (err instanceof AppError) throw new CliError(`${name}: ${err.message} [${err.code}]`, EXIT.INPUT);
    throw err;
  }
}

/** The changes report: the encoding, each change on a line, then what was flagged and left as it was. */
export function describeChanges(r: NormalizedText): string[] {
  const at = (i: number | null) => (i === null ? '' : ` @${i}`);
  const lines = [`encoding: ${r.encoding}`, `changes: ${r.changes.length}`];
  for (const c of r.changes) lines.push(`  ${c.kind}${at(c.index)}: ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)} (${c.note})`);
  lines.push(`flagged, left as it was: ${r.flags.length}`);
  for (const f of r.flags) lines.push(`  ${f.kind}${at(f.index)}: ${JSON.stringify(f.text)} (${f.reason})`);
  return lines;
}

/** `bulwark text normalize [FILE]`: the restored text, or with `report` the changes instead. */
export function runTextNormalize(input: Buffer, o: { report?: boolean; name?: string }): string {
  const r = restore(input, o.name ?? 'input');
  return o.report ? describeChanges(r).join('\n') : r.text;
}

export function registerText(program: Command): void {
  const text = program.command('text').description('Restore scraped Chinese text (encodings, traditional characters, inline pinyin, punctuation, mojibake)');
  text
    .command('normalize')
    .argument('[file]', 'the text or HTML file; standard input when omitted')
    .description('Print the restored text of FILE (or standard input)')
    .option('--report', 'print the changes made (and what was flagged but left) instead of the text')
    .addHelpText(
      'after',
      [
        '',
        'Reads UTF-8 (with or without BOM), GB18030/GBK or Big5; converts traditional characters (Taiwan and',
        'Hong Kong variants) to simplified; removes inline pinyin that reads the character before it; repairs',
        'broken punctuation and quotes; repairs mojibake islands one re-decoding explains and flags the rest;',
        'takes the main text of an HTML page. Empty, binary or unreadable input exits 5 with the reason.',
        '',
        'Examples:',
        '  bulwark text normalize report.html',
        '  curl -s https://example.org/post | bulwark text normalize --report',
      ].join('\n'),
    )
    .action((file: string | undefined, o: { report?: boolean }) => {
      const out = runTextNormalize(readInput(file), { report: o.report, name: file ?? 'standard input' });
      process.stdout.write(out.endsWith('\n') ? out : `${out}\n`);
    });
}
