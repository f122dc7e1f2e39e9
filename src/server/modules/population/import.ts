/**
 * Import of resident lists (CSV or XLSX) — `bulwark import residents FILE` and POST /api/persons/import.
 *
 * Two streaming passes over the file on disk (an upload is first streamed to a temporary file), in
 * chunks of 2,000 rows, so a file of a million rows never sits in memory:
 *   1. validate: every row is read, mapped by its header, checked (GB 11643, dates, phone, address
 *      resolved in the uploader's jurisdiction, duplicates within the file — only the documents'
 *      HMACs are kept for that) and classified against the database (new, changed, unchanged,
 *      absorbing a non-resident). Nothing is written; a dry run stops here.
 *   2. write: only when the file is clean (default, all or nothing) or the caller chose `partial`.
 *      The file is read again and written in ONE transaction, chunk by chunk: no row is ever
 *      half-written, and a failure anywhere (a document registered concurrently in `all` mode, say)
 *      rolls back the whole import. On SQLite this holds the write lock for the duration of pass 2
 *      (about a minute for a million rows); validation, the long part for a bad file, holds nothing.
 * Re-importing a file changes nothing: rows are matched by document HMAC; equal rows are left
 * alone; changed rows are corrections (original values kept, journaled). New rows are journaled per
 * 500 (a digest), and the population counters move once per node per chunk.
 * No ID or phone number reaches a log line, an error message or the journal.
 */
import type { IdType, JurisdictionDto, Sex, VulnerableFlag } from '../../../common/geo.js';
import { IMPORT_FIELDS, type ImportField } from '../../../common/population.js';
import { VULNERABLE_FLAGS, VULNERABLE_LABELS } from '../../../common/geo.js';
import type { PopulationInputs } from './population.types.js';
import { inTx, type DbOrTx, type Tx } from '../../db/dialect.js';
import { inScope, type Actor } from '../../platform/actor.js';
import { hmac, maskIdNumber, maskPhone, normalizeIdNumber } from './protect.js';
import { idPurpose, isRealDay, upgradeOldResidentId } from './person-rules.js';
import { normaliseIdInput, validateResidentId } from './resident-id.js';
import { ImportErrors, detectEncoding, readRows, sniffFile, type FileFormat, type SheetRow, type TextEncoding } from './spreadsheet.js';
import type { PersonInput, PopulationCore, PreparedBatch } from './population.types.js';
import type { ImportReport, ImportPreview, ImportOptions, ValidatedImport } from './population.types.js';
import type { ColumnMapping } from './population.types.js';

/** Compounds the address resolver reads in one go (a city of 25 million has about 40,000). */
const COMPOUND_INDEX_MAX = 50_000;

/** Rows validated and written per chunk. */
export const IMPORT_CHUNK = 2000;
/** At most this many row errors are listed in a report (all are counted). */
export const IMPORT_MAX_ERRORS = 1000;

/** Header aliases (compared without case, spaces, `*` and bracketed notes; `姓名/name` matches either part). */
export const IMPORT_HEADERS: Record<ImportField, readonly string[]> = {
  name: ['姓名', '名字', 'name', 'fullname'],
  idNumber: ['身份证号', '身份证号码', '证件号码', '证件号', '公民身份号码', 'idnumber', 'id_number', 'idno', 'documentnumber'],
  idType: ['证件类型', 'idtype', 'id_type', 'documenttype'],
  phone: ['手机号', '手机号码', '手机', '电话', '联系电话', '电话号码', 'phone', 'mobile', 'tel'],
  sex: ['性别', 'sex', 'gender'],
  birthDate: ['出生日期', '出生年月日', '生日', 'birthdate', 'birth_date', 'dateofbirth', 'birthday'],
  district: ['区', '区县', '县区', '县市区', '区县市', 'district', 'county'],
  street: ['街道', '乡镇', '街道乡镇', '街道办', 'street', 'town', 'township'],
  community: ['社区', '村', '社区村', '居委会', 'community', 'village'],
  compound: ['小区', '小区名称', '村民小组', '组', 'compound', 'estate'],
  building: ['楼栋', '楼号', '楼栋号', '栋', '幢', 'building'],
  entrance: ['单元', '单元号', 'entrance'],
  room: ['房号', '房间号', '门牌号', '室', '户号', 'room', 'roomnumber'],
  residentType: ['人员类型', '居住类型', '类型', 'residenttype', 'resident_type', 'type'],
  regionOfOrigin: ['来源地', '户籍地', '来自', 'regionoforigin', 'region_of_origin', 'origin'],
  vulnerable: ['特殊人群', '重点人群', '特殊人群类型', 'vulnerable'],
  tags: ['标签', 'tags', 'tag'],
};

/** Columns every file needs: who (name, document) and where (compound, building). */
export const REQUIRED_FIELDS: readonly ImportField[] = ['name', 'idNumber', 'compound', 'building'];

/** The template's header row (Chinese / English). */
export const TEMPLATE_HEADERS = [
  '姓名/name',
  '证件类型/id_type',
  '身份证号/id_number',
  '手机号/phone',
  '性别/sex',
  '出生日期/birth_date',
  '区/district',
  '街道/street',
  '社区/community',
  '小区/compound',
  '楼栋/building',
  '单元/entrance',
  '房号/room',
  '人员类型/resident_type',
  '来源地/region_of_origin',
  '特殊人群/vulnerable',
  '标签/tags',
];

const ROW_REASONS: Record<string, string> = {
  REQUIRED: '必填项为空 (required)',
  ID_NUMBER_NORMALISED:
    '证件号码含全角数字、全角Ｘ或空格，已按半角规范化后导入 (the ID number was typed with full-width digits, Ｘ or spaces; it was normalised)',
  DUPLICATE_IN_FILE: '与文件中另一行的证件号码重复 (duplicate document within the file)',
  ID_TYPE_UNKNOWN: '证件类型无法识别 (unknown document type: 居民身份证, 护照, 港澳台居民证件)',
  SEX_INVALID: '性别应为 男 或 女 (sex must be 男/male or 女/female)',
  DATE_INVALID: '日期无法识别，请写作 YYYY-MM-DD (unreadable date; write YYYY-MM-DD)',
  RESIDENT_TYPE_UNKNOWN: '人员类型应为 常住 或 暂住/访客 (resident type: 常住/resident or 暂住/non-resident)',
  VULNERABLE_UNKNOWN: `特殊人群类型无法识别 (unknown vulnerability: ${VULNERABLE_FLAGS.map((f) => VULNERABLE_LABELS[f].zh).join('、')})`,
  ADDRESS_COMPOUND_UNKNOWN: '您辖区内没有这个小区 (no compound of this name in your jurisdiction)',
  ADDRESS_COMPOUND_AMBIGUOUS: '辖区内有多个同名小区，请填写社区或街道 (several compounds have this name; add the community or street)',
  ADDRESS_BUILDING_UNKNOWN: '小区内没有这个楼栋 (unknown building in this compound)',
  ADDRESS_ENTRANCE_UNKNOWN: '楼栋内没有这个单元 (unknown entrance in this building)',
  RESIDENT_ID_FORMAT: '身份证号格式错误，应为17位数字加1位数字或X (an ID number is 17 digits and a digit or X)',
  RESIDENT_ID_REGION: '身份证号前两位不是省级行政区划代码 (the first two digits are not a province code)',
  RESIDENT_ID_BIRTH_DATE: '身份证号中的出生日期不存在 (the birth date inside the ID number is impossible)',
  RESIDENT_ID_CHECKSUM: '身份证号校验码错误 (wrong check digit, GB 11643)',
  RESIDENT_ID_BIRTH_MISMATCH: '出生日期与身份证号不一致 (the birth date differs from the ID number)',
  RESIDENT_ID_SEX_MISMATCH: '性别与身份证号不一致 (sex differs from the ID number)',
  PERSON_BIRTH_DATE_INVALID: '出生日期不存在或不合理 (impossible birth date)',
  PHONE_FORMAT: '手机号格式错误 (not an 11-digit mobile or a landline with its area code)',
  ID_NUMBER_FORMAT: "证件号码格式与证件类型不符 (the number does not have its document type's format)",
  PERSON_NAME_INVALID: '姓名应为1–50个字符 (a name is 1–50 characters)',
  PERSON_TAGS_INVALID: '标签最多20个，每个1–30字 (at most 20 tags of 1–30 characters)',
  PERSON_ID_EXISTS: '证件号码已登记 (this document is already registered)',
  PERSON_REGISTERED_ELSEWHERE: '该证件已登记在您辖区之外或为常住居民，不能在此更改 (registered outside your jurisdiction, or as a resident)',
  PERSON_ADDRESS_NOT_FOUND: '地址不存在或不在您的辖区内 (address not found in your jurisdiction)',
  PERSON_ADDRESS_LEVEL: '地址应为楼栋或单元 (an address is a building or an entrance)',
  PERSON_NON_RESIDENT_FIELDS: '暂住人员需填写来源地 (a non-resident needs a region of origin)',
  PERSON_ADDRESS_REQUIRED: '常住居民需填写地址 (a resident needs an address)',
};

const reasonOf = (code: string) => ROW_REASONS[code] ?? code;

/** Normalises a header cell's part for matching. */
const headerKey = (s: string) =>
  s
    .toLowerCase()
    .replace(/[\s*＊:：]/g, '')
    .replace(/[（(][^)）]*[)）]/g, '');

/** Maps header cells to fields (the first column wins when two map to the same field). */
export function mapHeader(cells: readonly string[]): ColumnMapping[] {
  const taken = new Set<ImportField>();
  return cells.map((header, column) => {
    const parts = header
      .split(/[/／|]/)
      .map(headerKey)
      .filter(Boolean);
    const field = IMPORT_FIELDS.find((f) => !taken.has(f) && parts.some((p) => IMPORT_HEADERS[f].includes(p))) ?? null;
    if (field) taken.add(field);
    return { column, header: header.trim(), field };
  });
}

const ID_TYPE_WORDS: Record<string, IdType> = {
  居民身份证: 'resident_id',
  身份证: 'resident_id',
  二代身份证: 'resident_id',
  公民身份证: 'resident_id',
  resident_id: 'resident_id',
  idcard: 'resident_id',
  护照: 'passport',
  passport: 'passport',
  港澳台居民证件: 'hk_macao_tw',
  港澳台: 'hk_macao_tw',
  回乡证: 'hk_macao_tw',
  台胞证: 'hk_macao_tw',
  港澳台居民居住证: 'hk_macao_tw',
  港澳居民来往内地通行证: 'hk_macao_tw',
  hk_macao_tw: 'hk_macao_tw',
};
const SEX_WORDS: Record<string, Sex> = { 男: 'male', male: 'male', m: 'male', 女: 'female', female: 'female', f: 'female' };
const NON_RESIDENT_WORDS = new Set(['暂住', '流动', '流动人口', '访客', '非常住', '非居民', '外来', 'non-resident', 'nonresident', 'visitor']);
const RESIDENT_WORDS = new Set(['常住', '居民', '户籍', '常住居民', '本地', 'resident']);
const VULNERABLE_WORDS: Record<string, VulnerableFlag> = {
  ...Object.fromEntries(
    VULNERABLE_FLAGS.flatMap((f) => [
      [f, f],
      [VULNERABLE_LABELS[f].zh, f],
      [VULNERABLE_LABELS[f].en.toLowerCase(), f],
    ]),
  ),
  独居: 'elderly_alone',
  孕妇: 'pregnant',
  孕产妇: 'pregnant',
  透析: 'dialysis',
  卧床: 'bedridden',
  长期卧床: 'bedridden',
  慢病: 'chronic',
  慢性病患者: 'chronic',
  留守儿童: 'child_without_carer',
};

/** A date cell in any common spelling (2001-2-3, 2001/02/03, 20010203, 2001年2月3日) as YYYY-MM-DD, or null. */
export function parseDay(text: string): string | null {
  const t = text.trim();
  let m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(t) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(t);
  if (!m) m = /^(\d{4})-(\d{2})-(\d{2})T/.exec(t);
  if (!m) return null;
  const [, y = '', mo = '', d = ''] = m;
  return `${y}-${mo.padStart(2, '0')}-${d.padStart(2, '0')}`;
}

/** The address given on a row. */
interface AddressCells {
  district: string;
  street: string;
  community: string;
  compound: string;
  building: string;
  entrance: string;
}

type Resolved = { node: JurisdictionDto } | { code: string; field: string };

const squash = (s: string) => s.replace(/\s+/g, '');
const digits = (s: string) => s.replace(/\D/g, '');

/** `1` matches `1栋`, `1号楼` matches `1栋`, `2单元` matches `2单元`; text without digits must match exactly. */
function sameNumbered(cell: string, name: string): boolean {
  const c = squash(cell);
  if (c === name) return true;
  const d = digits(c);
  return d !== '' && d === digits(name) && /^\d+\D{0,2}$/.test(c);
}

/**
 * Resolves written addresses (compound name, building number, entrance number, and district,
 * street or community names to tell same-named compounds apart) to jurisdiction nodes inside the
 * uploader's scope, through the geography service. Results are cached per distinct address.
 */
export class AddressResolver {
  private compounds = new Map<string, Promise<JurisdictionDto[]>>();
  private kids = new Map<string, Promise<JurisdictionDto[]>>();
  private names = new Map<string, string>();
  private cache = new Map<string, Promise<Resolved>>();

  constructor(
    private readonly deps: PopulationInputs<never, 'geo'>,
    private readonly actor: Actor,
  ) {}

  private children(db: DbOrTx, id: string): Promise<JurisdictionDto[]> {
    let p = this.kids.get(id);
    if (!p) this.kids.set(id, (p = this.deps.services.geo.children(this.actor, id, db)));
    return p;
  }

  private loading = new Map<string, Promise<void>>();

  /** Names of the nodes at these paths, fetched once each (batched, shared by concurrent lookups). */
  private async ensureNames(db: DbOrTx, paths: readonly string[]): Promise<void> {
    const missing = [...new Set(paths)].filter((p) => !this.names.has(p) && !this.loading.has(p));
    if (missing.length) {
      const load = this.deps.services.geo.getManyByPath(missing, db).then((nodes) => {
        for (const n of nodes) this.names.set(n.path, n.name);
        for (const p of missing) if (!this.names.has(p)) this.names.set(p, '');
      });
      for (const p of missing) this.loading.set(p, load);
    }
    await Promise.all(paths.map((p) => this.loading.get(p)));
  }

  private prefixes(path: string): string[] {
    const out: string[] = [];
    let acc = '/';
    for (const code of path.split('/').filter(Boolean)) out.push((acc += `${code}/`));
    return out;
  }

  /**
   * Every compound in the actor's scope by name, read once (one query) when there are at most
   * COMPOUND_INDEX_MAX of them; null when there are more (then names are searched one by one).
   */
  private index: Promise<Map<string, JurisdictionDto[]> | null> | undefined;

  private loadIndex(db: DbOrTx): Promise<Map<string, JurisdictionDto[]> | null> {
    this.index ??= (async () => {
      const geo = this.deps.services.geo;
      const roots = this.actor.scopePath === '/' ? await geo.list(this.actor, {}, db) : await geo.getManyByPath([this.actor.scopePath], db);
      const byName = new Map<string, JurisdictionDto[]>();
      for (const root of roots) {
        const compounds = await geo.subtree(this.actor, root.id, { level: 'compound', limit: COMPOUND_INDEX_MAX + 1 }, db);
        if (compounds.length > COMPOUND_INDEX_MAX) return null;
        for (const c of compounds) {
          if (!inScope(this.actor, c.path)) continue;
          const key = squash(c.name);
          const list = byName.get(key);
          if (list) list.push(c);
          else byName.set(key, [c]);
        }
      }
      return byName;
    })();
    return this.index;
  }

  private async compoundsNamed(db: DbOrTx, name: string): Promise<JurisdictionDto[]> {
    const index = await this.loadIndex(db);
    if (index) return index.get(name) ?? [];
    let p = this.compounds.get(name);
    if (!p) {
      p = this.deps.services.geo
        .list(this.actor, { q: name, level: 'compound', limit: 5000 }, db)
        .then((xs) => xs.filter((x) => squash(x.name) === name && inScope(this.actor, x.path)));
      this.compounds.set(name, p);
    }
    return p;
  }

  resolve(db: DbOrTx, a: AddressCells): Promise<Resolved> {
    const key = [a.district, a.street, a.community, a.compound, a.building, a.entrance].map(squash).join('\u0001');
    let p = this.cache.get(key);
    if (!p) this.cache.set(key, (p = this.lookup(db, a)));
    return p;
  }

  private async lookup(db: DbOrTx, a: AddressCells): Promise<Resolved> {
    let candidates = await this.compoundsNamed(db, squash(a.compound));
    const wanted = [a.district, a.street, a.community].map(squash).filter(Boolean);
    if (candidates.length > 0 && wanted.length > 0) {
      // Every district, street or community named on the row must be one of the compound's ancestors.
      await this.ensureNames(
        db,
        candidates.flatMap((c) => this.prefixes(c.path)),
      );
      candidates = candidates.filter((c) => {
        const names = this.prefixes(c.path).map((p) => this.names.get(p) ?? '');
        return wanted.every((w) => names.some((n) => n !== '' && (n === w || n.startsWith(w) || w.startsWith(n))));
      });
    }
    const [compound] = candidates;
    if (!compound) return { code: 'ADDRESS_COMPOUND_UNKNOWN', field: 'compound' };
    if (candidates.length > 1) return { code: 'ADDRESS_COMPOUND_AMBIGUOUS', field: 'compound' };
    const buildings = (await this.children(db, compound.id)).filter((b) => sameNumbered(a.building, b.name));
    const [building] = buildings;
    if (!building || buildings.length !== 1) return { code: 'ADDRESS_BUILDING_UNKNOWN', field: 'building' };
    const entrances = await this.children(db, building.id);
    if (a.entrance.trim()) {
      const [entrance, ...others] = entrances.filter((x) => sameNumbered(a.entrance, x.name));
      if (!entrance || others.length) return { code: 'ADDRESS_ENTRANCE_UNKNOWN', field: 'entrance' };
      return { node: entrance };
    }
    // No entrance given: the only entrance, or the building itself.
    const [onlyEntrance] = entrances;
    return { node: onlyEntrance && entrances.length === 1 ? onlyEntrance : building };
  }
}

/** A row read into a person (or its problems), with the document HMAC for duplicate detection. */
interface ParsedRow {
  row: number;
  input?: PersonInput;
  hmac?: string;
  problems: { field: string; code: string; message?: string }[];
  /** Fixes made to the row's values (reported as notices when the row is otherwise valid). */
  notices: { field: string; code: string }[];
}

function emptyReport(format: FileFormat, encoding: TextEncoding | null, o: ImportOptions): ImportReport {
  return {
    fileName: o.fileName ?? null,
    format,
    encoding,
    mode: o.mode ?? 'all',
    dryRun: !!o.dryRun,
    written: false,
    rows: 0,
    valid: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    merged: 0,
    households: 0,
    failed: 0,
    errors: [],
    errorsTruncated: false,
    notices: [],
    columns: [],
  };
}

export function createPersonImport(deps: PopulationInputs<'db' | 'log', 'geo' | 'journal' | 'outbox'>, core: PopulationCore) {
  /** What the file is, which encoding, and its header row (throws the file-level errors). */
  async function open(path: string, o: { encoding?: TextEncoding }) {
    const { format } = await sniffFile(path);
    const encoding = format === 'csv' ? (o.encoding ?? (await detectEncoding(path))) : null;
    return { format, encoding };
  }

  /** Reads the rows after the header, in chunks, and the header mapping. */
  async function* chunks(
    path: string,
    format: FileFormat,
    encoding: TextEncoding | null,
    onHeader: (m: ColumnMapping[], row: number) => void,
  ): AsyncGenerator<SheetRow[]> {
    let header: ColumnMapping[] | null = null;
    let batch: SheetRow[] = [];
    for await (const r of readRows(path, format, encoding ?? 'utf8')) {
      if (!header) {
        header = mapHeader(r.cells);
        onHeader(header, r.row);
        continue;
      }
      batch.push(r);
      if (batch.length >= IMPORT_CHUNK) {
        yield batch;
        batch = [];
      }
    }
    if (!header) throw ImportErrors.IMPORT_EMPTY();
    if (batch.length) yield batch;
  }

  /** Throws unless the header maps the required fields. */
  function checkHeader(m: ColumnMapping[], row: number): void {
    const mapped = new Set(m.map((c) => c.field).filter(Boolean));
    if (mapped.size === 0) throw ImportErrors.IMPORT_NO_COLUMNS({ row, headers: m.map((c) => c.header).slice(0, 50) });
    const missing = REQUIRED_FIELDS.filter((f) => !mapped.has(f));
    if (missing.length) {
      throw ImportErrors.IMPORT_COLUMNS_MISSING(
        { row, missing, expected: missing.map((f) => IMPORT_HEADERS[f].slice(0, 2).join('/')) },
        `缺少必需的列 (missing columns): ${missing.map((f) => `${IMPORT_HEADERS[f][0]}/${f}`).join(', ')}`,
      );
    }
  }

  /** One row's cells as a person (address resolved), or its problems. */
  async function parseRow(db: DbOrTx, resolver: AddressResolver, cols: ColumnMapping[], r: SheetRow, day: string): Promise<ParsedRow> {
    const v = {} as Record<ImportField, string>;
    for (const f of IMPORT_FIELDS) v[f] = '';
    for (const c of cols) if (c.field) v[c.field] = (r.cells[c.column] ?? '').trim();
    const problems: ParsedRow['problems'] = [];
    const need = (f: ImportField) => {
      if (!v[f]) problems.push({ field: f, code: 'REQUIRED' });
      return !!v[f];
    };
    need('name');
    need('idNumber');
    need('compound');
    need('building');
    let idType: IdType = 'resident_id';
    if (v.idType) {
      const t = ID_TYPE_WORDS[squash(v.idType).toLowerCase()] ?? ID_TYPE_WORDS[squash(v.idType)];
      if (t) idType = t;
      else problems.push({ field: 'idType', code: 'ID_TYPE_UNKNOWN' });
    }
    const idNumber = idType === 'resident_id' ? upgradeOldResidentId(v.idNumber) : normalizeIdNumber(v.idNumber);
    // Typed with a Chinese input method (full-width digits, Ｘ, ideographic spaces): accepted in
    // its ASCII form and reported as a notice.
    const notices: ParsedRow['notices'] = v.idNumber && normaliseIdInput(v.idNumber).normalised ? [{ field: 'idNumber', code: 'ID_NUMBER_NORMALISED' }] : [];
    const fromId = idType === 'resident_id' && idNumber ? validateResidentId(idNumber, '9999-12-31') : null;
    if (fromId && !fromId.ok) problems.push({ field: 'idNumber', code: fromId.code });
    let sex: Sex | undefined;
    if (v.sex) {
      sex = SEX_WORDS[v.sex.toLowerCase()];
      if (!sex) problems.push({ field: 'sex', code: 'SEX_INVALID' });
    } else if (fromId?.ok) sex = fromId.sex;
    else if (idType !== 'resident_id') problems.push({ field: 'sex', code: 'REQUIRED' });
    let birthDate: string | undefined;
    if (v.birthDate) {
      const d = parseDay(v.birthDate);
      if (!d) problems.push({ field: 'birthDate', code: 'DATE_INVALID' });
      else if (!isRealDay(d) || d > day || d < '1900-01-01') problems.push({ field: 'birthDate', code: 'PERSON_BIRTH_DATE_INVALID' });
      else birthDate = d;
    } else if (fromId?.ok) birthDate = fromId.birthDate;
    else if (idType !== 'resident_id') problems.push({ field: 'birthDate', code: 'REQUIRED' });
    let resident = true;
    if (v.residentType) {
      const t = squash(v.residentType).toLowerCase();
      if (NON_RESIDENT_WORDS.has(t)) resident = false;
      else if (!RESIDENT_WORDS.has(t)) problems.push({ field: 'residentType', code: 'RESIDENT_TYPE_UNKNOWN' });
    }
    const vulnerable: VulnerableFlag[] = [];
    for (const w of v.vulnerable.split(/[,，、;；/\s]+/).filter(Boolean)) {
      const f = VULNERABLE_WORDS[w] ?? VULNERABLE_WORDS[w.toLowerCase()];
      if (f) vulnerable.push(f);
      else if (!['无', '否', 'none', '-'].includes(w.toLowerCase())) problems.push({ field: 'vulnerable', code: 'VULNERABLE_UNKNOWN' });
    }
    const tags = v.tags
      .split(/[,，、;；]+/)
      .map((t) => t.trim())
      .filter(Boolean);
    let node: JurisdictionDto | undefined;
    if (v.compound && v.building) {
      const a = await resolver.resolve(db, {
        district: v.district,
        street: v.street,
        community: v.community,
        compound: v.compound,
        building: v.building,
        entrance: v.entrance,
      });
      if ('code' in a) problems.push({ field: a.field, code: a.code });
      else node = a.node;
    }
    if (problems.length) return { row: r.row, problems, notices };
    // The region of origin of a non-resident defaults to the division code in a resident ID.
    const regionOfOrigin = v.regionOfOrigin || (!resident && fromId?.ok ? fromId.region : '') || null;
    const input: PersonInput = {
      name: v.name,
      idType,
      idNumber,
      phone: v.phone || null,
      birthDate: birthDate ?? '',
      sex: sex ?? 'male',
      resident,
      ...(resident ? { address: { jurisdictionId: node!.id, room: v.room || null } } : { jurisdictionId: node!.id, regionOfOrigin }),
      vulnerable: [...new Set(vulnerable)],
      tags,
    };
    return { row: r.row, input, hmac: hmac(core.keys, idPurpose(idType), idNumber), problems, notices };
  }

  function addError(report: ImportReport, e: { row: number; field: string; code: string; message?: string }): void {
    if (report.errors.length < IMPORT_MAX_ERRORS)
      report.errors.push({
        row: e.row,
        field: e.field,
        code: e.code,
        reason: e.message && e.code === 'DUPLICATE_IN_FILE' ? `${reasonOf(e.code)}: ${e.message}` : reasonOf(e.code),
      });
    else report.errorsTruncated = true;
  }

  /** Applies prepare's problems (0-based within the chunk) to the report as file rows. */
  function collect(report: ImportReport, failed: Set<number>, rowsOf: number[], b: PreparedBatch): void {
    for (const p of b.problems) {
      const row = rowsOf[p.row];
      if (row === undefined) throw new Error(`import: a problem names row ${p.row}, outside its chunk of ${rowsOf.length}`);
      if (!failed.has(row)) report.failed++;
      failed.add(row);
      addError(report, { row, field: p.field, code: p.code });
    }
  }

  const api = {
    /** The header mapping and the first rows (numbers masked), without validating or writing anything. */
    async preview(actor: Actor, path: string, o: { encoding?: TextEncoding; fileName?: string | null; rows?: number } = {}): Promise<ImportPreview> {
      core.requireCap(actor, 'person.manage');
      const { format, encoding } = await open(path, o);
      let columns: ColumnMapping[] = [];
      let headerRow = 0;
      const rows: ImportPreview['rows'] = [];
      const want = Math.min(o.rows ?? 10, 50);
      for await (const r of readRows(path, format, encoding ?? 'utf8')) {
        if (!headerRow) {
          columns = mapHeader(r.cells);
          headerRow = r.row;
          continue;
        }
        const values: Partial<Record<ImportField, string>> = {};
        for (const c of columns) if (c.field) values[c.field] = (r.cells[c.column] ?? '').trim();
        if (values.idNumber) values.idNumber = maskIdNumber(values.idNumber);
        if (values.phone) values.phone = maskPhone(values.phone);
        rows.push({ row: r.row, values });
        if (rows.length >= want) break;
      }
      if (!headerRow) throw ImportErrors.IMPORT_EMPTY();
      const mapped = new Set(columns.map((c) => c.field));
      if (mapped.size === 1 && mapped.has(null)) throw ImportErrors.IMPORT_NO_COLUMNS({ row: headerRow, headers: columns.map((c) => c.header).slice(0, 50) });
      return { fileName: o.fileName ?? null, format, encoding, headerRow, columns, missing: REQUIRED_FIELDS.filter((f) => !mapped.has(f)), rows };
    },

    /**
     * Pass 1: reads and checks every row without writing. Throws the file-level errors (empty, not
     * a spreadsheet, truncated, mixed encodings, unrecognised or missing columns). Row problems go
     * into the report.
     */
    async validate(actor: Actor, path: string, o: ImportOptions = {}): Promise<ValidatedImport> {
      core.requireCap(actor, 'person.manage');
      const { format, encoding } = await open(path, o);
      const report = emptyReport(format, encoding, o);
      const failedRows = new Set<number>();
      const resolver = new AddressResolver(deps, actor);
      const seen = new Map<string, number>();
      const day = core.today();
      let cols: ColumnMapping[] = [];
      for await (const chunk of chunks(path, format, encoding, (m, row) => {
        checkHeader(m, row);
        cols = m;
        report.columns = m;
      })) {
        const parsed = await Promise.all(chunk.map((r) => parseRow(deps.db, resolver, cols, r, day)));
        const ok: ParsedRow[] = [];
        for (const p of parsed) {
          report.rows++;
          if (p.input && p.hmac) {
            const key = p.hmac.slice(0, 32);
            const first = seen.get(key);
            if (first !== undefined) p.problems.push({ field: 'idNumber', code: 'DUPLICATE_IN_FILE', message: `第 ${first} 行 (row ${first})` });
            else seen.set(key, p.row);
          }
          if (p.problems.length) {
            report.failed++;
            failedRows.add(p.row);
            for (const e of p.problems) addError(report, { row: p.row, ...e });
          } else ok.push(p);
        }
        const b = await core.prepare(
          deps.db,
          actor,
          ok.map((p) => p.input!),
          'upsert',
          { validateOnly: true },
        );
        const rowsOf = ok.map((p) => p.row);
        collect(report, failedRows, rowsOf, b);
        for (const p of ok) {
          if (failedRows.has(p.row)) continue;
          for (const n of p.notices) {
            if (report.notices.length < IMPORT_MAX_ERRORS) report.notices.push({ row: p.row, field: n.field, code: n.code, reason: reasonOf(n.code) });
          }
        }
        report.created += b.persons.length;
        report.updated += b.updates.length;
        report.unchanged += b.unchanged.length;
        report.merged += b.absorbs.length;
        report.households += b.households.length;
        o.onProgress?.('validate', report.rows);
      }
      report.valid = report.rows - report.failed;
      report.errors.sort((a, b) => a.row - b.row);
      return { path, report, failedRows, resolver, onProgress: o.onProgress };
    },

    /**
     * Pass 2: writes a validated import in the caller's transaction (see the file comment). In
     * `all` mode a file with bad rows is refused (IMPORT_INVALID, the report in `details`); a dry
     * run returns the report. Counts are recomputed from what was actually written.
     */
    async write(trx: Tx, actor: Actor, v: ValidatedImport): Promise<ImportReport> {
      core.requireCap(actor, 'person.manage');
      const report = v.report;
      if (report.dryRun) return report;
      if (report.mode === 'all' && report.failed > 0)
        throw ImportErrors.IMPORT_INVALID(
          report,
          `导入文件有 ${report.failed} 行错误，未导入任何数据 (${report.failed} of ${report.rows} rows are invalid; nothing was imported)`,
        );
      const day = core.today();
      const counts = { created: 0, updated: 0, unchanged: 0, merged: 0, households: 0 };
      let done = 0;
      let cols: ColumnMapping[] = report.columns;
      for await (const chunk of chunks(v.path, report.format, report.encoding, (m) => (cols = m))) {
        done += chunk.length;
        const rows = chunk.filter((r) => !v.failedRows.has(r.row));
        const parsed = await Promise.all(rows.map((r) => parseRow(trx, v.resolver, cols, r, day)));
        const ok = parsed.filter((p) => p.input && p.problems.length === 0);
        // Rows that passed pass 1 but not now: the file changed on disk.
        for (const p of parsed)
          if (!p.input || p.problems.length)
            throw ImportErrors.IMPORT_INVALID({ row: p.row, problems: p.problems }, 'The file changed while it was being imported');
        const b = await core.prepare(
          trx,
          actor,
          ok.map((p) => p.input!),
          'upsert',
        );
        if (b.problems.length) {
          // The database changed since pass 1 (say, a document registered meanwhile).
          const before = report.failed;
          collect(
            report,
            v.failedRows,
            ok.map((p) => p.row),
            b,
          );
          if (report.mode === 'all')
            throw ImportErrors.IMPORT_INVALID(
              report,
              `导入期间数据发生变化，${report.failed - before} 行无法导入，未导入任何数据 (the data changed during the import; nothing was imported)`,
            );
        }
        await core.write(trx, actor, b, {
          batchAction: 'population.person.import',
          reason: `导入更正${report.fileName ? `：${report.fileName}` : ''} · Import correction${report.fileName ? `: ${report.fileName}` : ''}`,
          summary: { file: report.fileName },
        });
        counts.created += b.persons.length;
        counts.updated += b.updates.length;
        counts.unchanged += b.unchanged.length;
        counts.merged += b.absorbs.length;
        counts.households += b.households.length;
        v.onProgress?.('write', done);
      }
      Object.assign(report, counts, { written: true, valid: report.rows - report.failed });
      report.errors.sort((a, b) => a.row - b.row);
      // A re-import that changes nothing leaves no trace but the log line.
      if (counts.created || counts.updated || counts.merged)
        await deps.services.journal.append(trx, actor, {
          action: 'population.import',
          entityType: 'import',
          jurisdictionPath: actor.scopePath === '/' ? null : actor.scopePath,
          payload: {
            file: report.fileName,
            format: report.format,
            encoding: report.encoding,
            mode: report.mode,
            rows: report.rows,
            ...counts,
            failed: report.failed,
          },
        });
      if (counts.created || counts.updated || counts.merged) {
        await deps.services.outbox.publish(trx, {
          topic: 'population.changed',
          capability: 'person.read',
          jurisdictionPath: actor.scopePath === '/' ? null : actor.scopePath,
          payload: { imported: counts.created, updated: counts.updated },
        });
      }
      deps.log.info(
        { format: report.format, encoding: report.encoding, mode: report.mode, rows: report.rows, ...counts, failed: report.failed },
        'population import written',
      );
      return report;
    },

    /** Both passes, the write in one transaction of its own (the CLI). */
    async run(actor: Actor, path: string, o: ImportOptions = {}): Promise<ImportReport> {
      const v = await api.validate(actor, path, o);
      if (v.report.dryRun) return v.report;
      return inTx(deps.db, (trx) => api.write(trx, actor, v));
    },
  };
  return api;
}
