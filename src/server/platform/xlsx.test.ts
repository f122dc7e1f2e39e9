import { describe, expect, it } from 'vitest';
import { UPLOAD_LIMITS } from './upload/limits.js';
import { readXlsxRows, streamWorkbook, writeWorkbook, type XlsxCellValue } from './xlsx.js';

async function firstSheet(file: Buffer): Promise<XlsxCellValue[][]> {
  const out: XlsxCellValue[][] = [];
  for await (const r of readXlsxRows(new Uint8Array(file), UPLOAD_LIMITS)) out.push(r.cells);
  return out;
}

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(Buffer.from(c as Buffer));
  return Buffer.concat(parts);
}

describe('platform/xlsx: one module writes and reads workbooks', () => {
  it('writes sheets that the guarded reader reads back, first sheet first', async () => {
    const file = await writeWorkbook(
      [
        {
          name: '居民导入 residents',
          rows: [
            ['姓名', '身份证号'],
            ['张三', '42050219900307001X'],
          ],
          header: true,
          freezeHeader: true,
          textColumns: [2],
          widths: [16, 20],
        },
        { name: '说明 rules', rows: [['列 column', '说明 rule']] },
      ],
      { creator: 'Bulwark (铜墙)' },
    );
    expect(await firstSheet(file)).toEqual([
      ['姓名', '身份证号'],
      ['张三', '42050219900307001X'],
    ]);
  });

  it('streams a sheet page by page: header, then every row in order', async () => {
    async function* pages() {
      yield [
        ['a', 1],
        ['b', 2],
      ];
      yield [['c', 3]];
    }
    const file = await collect(streamWorkbook('人员 persons', ['name', 'n'], pages()));
    expect(await firstSheet(file)).toEqual([
      ['name', 'n'],
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
  });

  it('fails the stream when its rows fail', async () => {
    async function* pages(): AsyncGenerator<XlsxCellValue[][]> {
      yield [['a']];
      throw new Error('the database went away');
    }
    await expect(collect(streamWorkbook('s', ['x'], pages()))).rejects.toThrow('the database went away');
  });
});
