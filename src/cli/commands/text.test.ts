import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGbk } from '../../server/modules/population/population.test-helpers.js';
import { asHtml, breakPunctuation, insertPinyin, MEETING_REPORT, mojibake, toTraditional } from '../../server/modules/text/text.test-helpers.js';
import { CliError, EXIT } from '../exit.js';
import { runDirectivesExtract } from './directives.js';
import { runTextNormalize } from './text.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs the real CLI (bin/bulwark.js) with `input` on standard input; resolves with the exit code and output. */
function cli(args: string[], input: Buffer | string = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [path.join(ROOT, 'bin/bulwark.js'), ...args],
      { cwd: ROOT, timeout: 60_000, env: { PATH: process.env.PATH, BULWARK_TZ: 'Asia/Shanghai' } },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? 1) : 0;
        resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
      },
    );
    child.stdin?.end(input);
  });
}

function mangled(): string {
  const tw = toTraditional(MEETING_REPORT, 'tw');
  return asHtml(mojibake(breakPunctuation(insertPinyin(tw, MEETING_REPORT, '会议疫强')), toTraditional('群众', 'tw')));
}

function cliError(fn: () => unknown): CliError | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof CliError) return err;
    throw err;
  }
  return undefined;
}

describe('bulwark text normalize', () => {
  it('prints the restored text of a mangled GB18030 page, or the changes with --report', () => {
    const bytes = encodeGbk(mangled());
    expect(runTextNormalize(bytes, {})).toBe(MEETING_REPORT);
    const report = runTextNormalize(bytes, { report: true }).split('\n');
    expect(report[0]).toBe('encoding: gb18030');
    expect(report.some((l) => l.includes('"缇ょ溇" → "群眾" (UTF-8 bytes read as gbk)'))).toBe(true);
    expect(report.some((l) => l.startsWith('  pinyin @') && l.includes('"会(huì)" → "会"'))).toBe(true);
    expect(report.at(-1)).toBe('flagged, left as it was: 0');
  });

  it('lists what it flagged and left as it was', () => {
    const report = runTextNormalize(Buffer.from('要加快核酸\ufffd\ufffd进度。'), { report: true });
    expect(report).toContain('flagged, left as it was: 1');
    expect(report).toContain('"\ufffd\ufffd" (replacement character');
  });

  it('refuses empty, binary and unknown-encoding input with exit 5 and the reason', () => {
    const empty = cliError(() => runTextNormalize(Buffer.alloc(0), { name: 'minutes.txt' }));
    expect(empty?.exitCode).toBe(EXIT.INPUT);
    expect(empty?.message).toMatch(/^minutes\.txt: .*empty.*\[TEXT_EMPTY\]$/);
    expect(cliError(() => runTextNormalize(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0x14, 0]), {}))?.message).toMatch(/\[TEXT_BINARY\]$/);
    expect(cliError(() => runTextNormalize(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x6f, 0x6b]), {}))?.message).toMatch(/\[TEXT_ENCODING_UNKNOWN\]$/);
  });
});

describe('bulwark directives extract', () => {
  it('restores the text first and prints the directives as JSON with text, speaker and category', () => {
    const out = JSON.parse(
      runDirectivesExtract(Buffer.from(mangled(), 'utf8'), { json: true, now: Date.parse('2022-12-06T14:00:00Z'), tz: 'Asia/Shanghai' }),
    ) as {
      text: string;
      speaker: string | null;
      category: string;
      owner: { unit: string; place: { name: string; code: string } | null };
    }[];
    expect(out).toHaveLength(12);
    expect(out[7]).toMatchObject({
      text: '秭归县要在本周内完成隔离点改造，确保“应隔尽隔”。',
      speaker: '马泽江',
      category: 'command',
      // The demo city's 秭归县 by name, with its division code.
      owner: { unit: '秭归县疫情防控指挥部综合协调组', place: { name: '秭归县', code: '420527' } },
    });
    expect(out.map((d) => d.speaker)).toEqual([...Array(5).fill('王立'), ...Array(7).fill('马泽江')]);
  });

  it('says so when a report has no directives', () => {
    expect(runDirectivesExtract(Buffer.from('会议通报了全市疫情形势。'), {})).toMatch(/^no directives found/);
    expect(JSON.parse(runDirectivesExtract(Buffer.from('会议通报了全市疫情形势。'), { json: true }))).toEqual([]);
  });
});

describe('the commands through bin/bulwark.js', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bulwark-text-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('text normalize reads standard input; directives extract reads a file; a missing file exits 5', async () => {
    const normalized = await cli(['text', 'normalize'], encodeGbk(toTraditional('會(huì)議強調,要加快核酸檢測,,確保"應檢盡檢"。', 'tw')));
    expect(normalized).toMatchObject({ code: 0, stdout: '会议强调，要加快核酸检测，确保“应检尽检”。\n' });
    const file = path.join(dir, 'report.txt');
    writeFileSync(file, '马泽江指出，长阳要在今天完成隔离点改造。');
    const extracted = await cli(['directives', 'extract', file, '--json']);
    expect(extracted.code).toBe(0);
    expect(JSON.parse(extracted.stdout)).toMatchObject([
      { text: '长阳要在今天完成隔离点改造。', speaker: '马泽江', category: 'command', owner: { unit: '长阳土家族自治县疫情防控指挥部综合协调组' } },
    ]);
    const missing = await cli(['directives', 'extract', path.join(dir, 'nope.txt')]);
    expect(missing.code).toBe(EXIT.INPUT);
    expect(missing.stderr).toMatch(/file not found/);
  });
});
