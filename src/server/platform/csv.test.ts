import { describe, expect, it } from 'vitest';
import { AppError } from './errors.js';
import { parseCsvRecords, parseCsvStream, parseCsvText } from './csv.js';

/** Text in chunks of `size` characters, so a quoted field runs across chunk boundaries. */
async function* chunks(text: string, size: number): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

async function records(text: string, size = 7) {
  const out: { row: number; cells: string[] }[] = [];
  for await (const r of parseCsvStream(chunks(text, size))) out.push(r);
  return out;
}

describe('the one CSV parser (csv-parse behind platform/csv.ts)', () => {
  // A resident list as a spreadsheet exports it: an address with a comma and a line break inside
  // its quotes, a note with doubled quotes, CRLF line ends and a blank line.
  const file = '\ufeff姓名,地址,备注\r\n张三,"东山大道 8 号, 2 栋\r\n3 单元 501","说 ""好"""\r\n\r\n李四,"西陵区,夷陵路",\r\n';

  it('keeps commas and line breaks inside quoted fields, in a stream cut anywhere, and numbers records as a spreadsheet does', async () => {
    for (const size of [1, 5, 64]) {
      expect(await records(file, size)).toEqual([
        { row: 1, cells: ['姓名', '地址', '备注'] },
        { row: 2, cells: ['张三', '东山大道 8 号, 2 栋\r\n3 单元 501', '说 "好"'] },
        // The blank line is row 3 in a spreadsheet program: 李四 is row 4.
        { row: 4, cells: ['李四', '西陵区,夷陵路', ''] },
      ]);
    }
  });

  it('numbers the records of a string as a spreadsheet does (the lab import: header row 1, blank lines counted)', () => {
    expect(parseCsvRecords(file).map((r) => r.row)).toEqual([1, 2, 4]);
    expect(parseCsvRecords('a,b\r\n\r\n\r\n1,2')).toEqual([
      { row: 1, cells: ['a', 'b'] },
      { row: 4, cells: ['1', '2'] },
    ]);
  });

  it('reads the same fields from a string (the lab import)', () => {
    expect(parseCsvText(file)).toEqual([
      ['姓名', '地址', '备注'],
      ['张三', '东山大道 8 号, 2 栋\r\n3 单元 501', '说 "好"'],
      ['李四', '西陵区,夷陵路', ''],
    ]);
  });

  it('takes the delimiter the header uses most (tab, semicolon) and still honours quotes', async () => {
    expect(await records('a\tb\n"x\ty"\tz\n')).toEqual([
      { row: 1, cells: ['a', 'b'] },
      { row: 2, cells: ['x\ty', 'z'] },
    ]);
    expect(await records('a;b\n"1;2";3')).toEqual([
      { row: 1, cells: ['a', 'b'] },
      { row: 2, cells: ['1;2', '3'] },
    ]);
  });

  it('refuses a quote never closed with 422 naming the record it opens, instead of swallowing the rest of the file', async () => {
    const bad = 'name,note\nok,1\nbad,"open\nmore,2\n';
    const streamed = await records(bad).catch((e: unknown) => e);
    expect(streamed).toBeInstanceOf(AppError);
    expect(streamed).toMatchObject({ code: 'UPLOAD_CSV_MALFORMED', status: 422, details: { row: 3 } });
    let thrown: unknown;
    try {
      parseCsvText(bad);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toMatchObject({ code: 'UPLOAD_CSV_MALFORMED', status: 422, details: { row: 3 } });
  });
});
