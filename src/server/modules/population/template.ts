import { VULNERABLE_FLAGS, VULNERABLE_LABELS } from '../../../common/geo.js';
import { writeWorkbook } from '../../platform/xlsx.js';
import { TEMPLATE_HEADERS } from './import.js';

/** The resident import template (.xlsx): the header row, one example row, and the rules. */
export async function importTemplate(): Promise<Buffer> {
  return writeWorkbook(
    [
      {
        name: '居民导入 residents',
        rows: [
          TEMPLATE_HEADERS,
          [
            '张三',
            '居民身份证',
            '42050219900307001X',
            '13800000000',
            '男',
            '1990-03-07',
            '西陵区',
            '西陵街道',
            '某某社区',
            '滨江苑',
            '1栋',
            '1单元',
            '1203',
            '常住',
            '',
            '慢性病',
            '户主',
          ],
        ],
        header: true,
        freezeHeader: true,
        // Text columns: an 18-digit ID typed into a number cell loses its last digits.
        textColumns: [3, 4, 13],
        widths: TEMPLATE_HEADERS.map(() => 16),
      },
      {
        name: '说明 rules',
        header: true,
        widths: [24, 100],
        rows: [
          ['列 column', '说明 rule'],
          ['姓名 / name', '必填 required'],
          ['身份证号 / id_number', '必填；居民身份证为18位（旧15位号码自动升位），校验码按 GB 11643 检查 (required; resident IDs are checked per GB 11643)'],
          ['证件类型 / id_type', '居民身份证（默认）、护照、港澳台居民证件 (resident ID by default, passport, HK/Macao/Taiwan permit)'],
          ['出生日期、性别', '居民身份证可不填，由号码推出；填写时须与号码一致 (derived from a resident ID when empty; must agree when given)'],
          [
            '小区 / compound, 楼栋 / building',
            '必填，须在您的辖区内；同名小区请填写社区或街道 (required, inside your jurisdiction; add community/street to tell same-named compounds apart)',
          ],
          ['单元 / entrance, 房号 / room', '单元可省略（楼栋只有一个单元时） (entrance may be left out when the building has one)'],
          ['人员类型 / resident_type', '常住（默认）或 暂住/访客；暂住人员的来源地默认为身份证号的行政区划代码'],
          ['特殊人群 / vulnerable', VULNERABLE_FLAGS.map((f) => VULNERABLE_LABELS[f].zh).join('、') + '，多个用顿号分隔'],
          ['编码 encoding', 'CSV 可为 UTF-8 或 GBK（Excel 另存为 CSV 即可）；XLSX 直接上传'],
          [
            '重复导入 re-import',
            '按证件号匹配：相同的行不变，变化的行记为更正 (matched by document: equal rows unchanged, changed rows recorded as corrections)',
          ],
        ],
      },
    ],
    { creator: 'Bulwark (铜墙)' },
  );
}
