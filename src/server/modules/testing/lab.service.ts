import type { TestingInputs } from './testing.inputs.js';
import { inTx, type DbOrTx, type Tx } from '../../db/dialect.js';
import { inScope, type Actor } from '../../platform/actor.js';
import { parseInstant } from '../../platform/clock.js';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { parseTextOffThread } from '../../platform/upload/guard.js';
import type { RecheckService } from './rechecks.service.js';
import { TestingErrors, type TestingErrorCode } from './testing.errors.js';
import * as repo from './testing.repository.js';
import { RESULTS, ctInRange, isReactive, normalizeBarcode, type CsvRow, type TestResult } from './testing.rules.js';
import type { ResultInput } from './testing.schemas.js';
import { CoverageDeltas, flagRow, requireCap, resultContribution, resultRecordDto, tubeDto } from './testing.shared.js';
import { firstItem } from '../../platform/items.js';
import type { RowReport } from './testing.types.js';

/** Where the lab's CSV parser lives (it runs on a parse worker). */
const RULES_MODULE = new URL('./testing.rules.ts', import.meta.url).href;

/** A result may be dated a little ahead of the server clock (instrument clocks drift), not more. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;

const report = (row: number, barcode: string, status: string, err?: AppError): RowReport => ({
  row,
  barcode,
  status,
  code: err?.code ?? null,
  message: err?.message ?? null,
});

/** CSV header names (Chinese or English) → result fields. */
const HEADERS: Record<string, 'barcode' | 'result' | 'ctOrf1ab' | 'ctN' | 'resultAt' | 'lab'> = {
  barcode: 'barcode',
  条码: 'barcode',
  管码: 'barcode',
  采样管条码: 'barcode',
  tube: 'barcode',
  result: 'result',
  结果: 'result',
  检测结果: 'result',
  ct_orf1ab: 'ctOrf1ab',
  orf1ab: 'ctOrf1ab',
  'ct orf1ab': 'ctOrf1ab',
  ct1: 'ctOrf1ab',
  orf1ab基因ct值: 'ctOrf1ab',
  ct_n: 'ctN',
  n: 'ctN',
  'ct n': 'ctN',
  ct2: 'ctN',
  n基因ct值: 'ctN',
  time: 'resultAt',
  result_at: 'resultAt',
  检测时间: 'resultAt',
  报告时间: 'resultAt',
  时间: 'resultAt',
  lab: 'lab',
  检测机构: 'lab',
  实验室: 'lab',
};
const RESULT_WORDS: Record<string, TestResult> = {
  negative: 'negative',
  阴性: 'negative',
  positive: 'positive',
  阳性: 'positive',
  suspicious: 'suspicious',
  可疑: 'suspicious',
  invalid: 'invalid',
  无效: 'invalid',
};

/** Reads a time cell: epoch ms, or an ISO-8601 / `YYYY-MM-DD HH:MM[:SS]` text (local time in `tz` when it has no offset). */
function parseTime(v: string, tz: string, now: number): number | null {
  return v.trim() ? parseInstant(v, { tz, loose: true }) : now;
}

const num = (v: string | undefined): number | null | 'bad' => {
  const t = (v ?? '').trim();
  if (!t || t === '-' || /^n\/?a$/i.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : 'bad';
};

/**
 * The lab: receiving tubes by box, results one at a time or imported from CSV (all or nothing
 * unless mode=partial), and corrections that keep the original. A positive or suspicious pool
 * starts its rechecks in the same transaction as its result.
 */
export function createLabService(
  deps: TestingInputs<'db' | 'clock' | 'config', 'journal' | 'corrections'>,
  rechecks: RecheckService,
  hooks: { resultChanged(tx: Tx, personIds: readonly string[]): Promise<void>; coverageChanged(tx: Tx, campaignId: string): Promise<unknown> },
) {
  const { journal } = deps.services;

  /** Tubes by barcode (a barcode reused across campaigns has several). */
  function byBarcode(tubes: Iterable<repo.TubeRow>): Map<string, repo.TubeRow[]> {
    const out = new Map<string, repo.TubeRow[]>();
    for (const t of tubes) {
      if (!t.barcode) continue;
      const list = out.get(t.barcode);
      if (list) list.push(t);
      else out.set(t.barcode, [t]);
    }
    return out;
  }

  /** The tube a lab means by a barcode: the newest with that barcode (in the campaign, if named) inside the actor's scope. */
  function pick(tubes: ReadonlyMap<string, readonly repo.TubeRow[]>, actor: Actor, barcode: string, campaignId?: string): repo.TubeRow | undefined {
    return (tubes.get(barcode) ?? [])
      .filter((t) => (!campaignId || t.campaign_id === campaignId) && inScope(actor, t.jurisdiction_path))
      .sort((a, b) => Number(b.created_at) - Number(a.created_at))[0];
  }

  /** Validates one result's fields (no database). */
  function checkFields(r: ResultInput, now: number): { barcode: string } {
    const barcode = normalizeBarcode(r.barcode);
    if (!barcode) throw TestingErrors.BARCODE_MALFORMED({ barcode: r.barcode });
    if (
      !(RESULTS as readonly string[]).includes(r.result) ||
      !r.lab?.trim() ||
      (r.resultAt !== undefined && (!Number.isSafeInteger(r.resultAt) || r.resultAt > now + FUTURE_TOLERANCE_MS))
    ) {
      throw TestingErrors.RESULT_INVALID({ field: !r.lab?.trim() ? 'lab' : (RESULTS as readonly string[]).includes(r.result) ? 'resultAt' : 'result' });
    }
    if (!ctInRange(r.ctOrf1ab) || !ctInRange(r.ctN)) throw TestingErrors.CT_OUT_OF_RANGE({ ctOrf1ab: r.ctOrf1ab ?? null, ctN: r.ctN ?? null });
    return { barcode };
  }

  /**
   * What a changed result means: counters of the tube's counted persons move from the old result
   * to the new; a pool turning reactive starts its rechecks; a recheck tube resolves its recheck.
   */
  async function applyEffects(tx: Tx, actor: Actor, tube: repo.TubeRow, before: string | null, after: string): Promise<number> {
    const now = deps.clock.now();
    if (tube.kind === 'recheck') {
      await rechecks.onResult(tx, actor, { ...tube, result: after }, before, after);
      const scans = await repo.scansOfTube(tx, tube.id);
      await hooks.resultChanged(
        tx,
        scans.map((s) => s.person_id),
      );
      await hooks.coverageChanged(tx, tube.campaign_id);
      return 0;
    }
    const scans = await repo.scansOfTube(tx, tube.id);
    const deltas = new CoverageDeltas();
    const out = resultContribution(before);
    const into = resultContribution(after);
    for (const s of scans) {
      if (Number(s.counted) !== 1) continue;
      for (const [k, v] of Object.entries(out)) deltas.add(s.jurisdiction_path, k as never, -v);
      for (const [k, v] of Object.entries(into)) deltas.add(s.jurisdiction_path, k as never, v);
    }
    if (isReactive(before) !== isReactive(after))
      deltas.addOncePerNode(
        scans.map((s) => s.jurisdiction_path),
        'positive_tubes',
        isReactive(after) ? 1 : -1,
      );
    await repo.applyCoverageDeltas(tx, tube.campaign_id, deltas.byPath, now);
    await hooks.resultChanged(
      tx,
      scans.map((s) => s.person_id),
    );
    // The live map and counters follow results too (one `testing.coverage` event per campaign per second).
    await hooks.coverageChanged(tx, tube.campaign_id);
    if (!isReactive(before) && isReactive(after)) return rechecks.startForTube(tx, actor, { ...tube, result: after }, scans, after);
    return 0;
  }

  /**
   * `applyEffects` for many pool tubes whose first result is plain (not reactive) at once, as one
   * import records thousands of them: their scans in one read per 500 tubes, the counter deltas of
   * each campaign applied together, one lookup-version bump for all their persons and one coverage
   * publish per campaign. The same counters move as tube by tube (a first result: nothing to take out).
   */
  async function applyPlainEffects(tx: Tx, tubes: readonly repo.TubeRow[]): Promise<void> {
    if (!tubes.length) return;
    const now = deps.clock.now();
    const byTube = new Map(tubes.map((t) => [t.id, t]));
    // Counted scans per (campaign, result, residence path) first: each distinct path's ancestors are
    // then raised once, not once per person.
    const counted = new Map<string, { campaignId: string; result: string | null; path: string; n: number }>();
    const persons: string[] = [];
    for (const s of await repo.scanFactsOfTubes(tx, [...byTube.keys()])) {
      persons.push(s.person_id);
      if (Number(s.counted) !== 1) continue;
      const t = byTube.get(s.tube_id)!;
      const key = `${t.campaign_id}\n${t.result}\n${s.jurisdiction_path}`;
      const c = counted.get(key);
      if (c) c.n++;
      else counted.set(key, { campaignId: t.campaign_id, result: t.result, path: s.jurisdiction_path, n: 1 });
    }
    const deltas = new Map<string, CoverageDeltas>();
    for (const c of counted.values()) {
      let d = deltas.get(c.campaignId);
      if (!d) deltas.set(c.campaignId, (d = new CoverageDeltas()));
      for (const [k, v] of Object.entries(resultContribution(c.result))) d.add(c.path, k as never, v * c.n);
    }
    for (const [campaignId, d] of [...deltas].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) await repo.applyCoverageDeltas(tx, campaignId, d.byPath, now);
    await hooks.resultChanged(tx, persons);
    for (const campaignId of new Set(tubes.map((t) => t.campaign_id))) await hooks.coverageChanged(tx, campaignId);
  }

  interface Outcome {
    tubeId: string;
    barcode: string;
    status: 'recorded' | 'unchanged' | 'conflict';
    result: TestResult;
    rechecksStarted: number;
  }

  /**
   * Records results in the caller's transaction. Each row is checked first; with mode `all` any
   * bad row refuses the whole set (IMPORT_INVALID with the row report, nothing written). A second
   * identical result is `unchanged`; a different one is kept, flagged and `conflict` (the first
   * stays effective until a correction).
   */
  async function record(
    tx: Tx,
    actor: Actor,
    inputs: readonly (ResultInput & { row: number })[],
    opts: { mode: 'all' | 'partial'; source: 'manual' | 'import'; single?: boolean; rejectedBefore?: RowReport[] },
  ) {
    requireCap(actor, 'testing.lab');
    const now = deps.clock.now();
    const reports: RowReport[] = [...(opts.rejectedBefore ?? [])];
    const checked: { input: ResultInput & { row: number }; barcode: string }[] = [];
    for (const input of inputs) {
      try {
        checked.push({ input, ...checkFields(input, now) });
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        if (opts.single) throw err;
        reports.push(report(input.row, input.barcode, 'rejected', err));
      }
    }
    const tubes = await repo.findTubesByBarcodes(
      tx,
      checked.map((c) => c.barcode),
    );
    await repo.lockTubes(
      tx,
      tubes.map((t) => t.id),
    );
    const fresh = new Map(
      (
        await repo.findTubes(
          tx,
          tubes.map((t) => t.id),
        )
      ).map((t) => [t.id, t]),
    );
    const valid: { input: ResultInput & { row: number }; tube: repo.TubeRow }[] = [];
    const index = byBarcode(fresh.values());
    for (const c of checked) {
      const t = pick(index, actor, c.barcode, c.input.campaignId);
      const err = !t
        ? TestingErrors.TUBE_NOT_FOUND({ barcode: c.barcode })
        : t.status !== 'received' && t.status !== 'resulted'
          ? TestingErrors.TUBE_NOT_RECEIVED({ barcode: c.barcode, status: t.status })
          : null;
      if (err) {
        if (opts.single) throw err;
        reports.push(report(c.input.row, c.barcode, 'rejected', err));
      } else valid.push({ input: c.input, tube: t! });
    }
    const rejectedRows = reports.length;
    if (rejectedRows && opts.mode === 'all') throw TestingErrors.IMPORT_INVALID(reports.sort((a, b) => a.row - b.row).slice(0, 500));

    const outcomes: Outcome[] = [];
    const journalRows: unknown[] = [];
    // First results, written together; plain pool results' effects in one pass (applyPlainEffects).
    const firstResults: repo.ResultRow[] = [];
    const plain: repo.TubeRow[] = [];
    const effects: { tube: repo.TubeRow; result: TestResult; outcome: Outcome }[] = [];
    for (const { input, tube: t0 } of valid) {
      const t = fresh.get(t0.id)!;
      const result = input.result as TestResult;
      const resultRow: repo.ResultRow = {
        id: newId(now),
        tube_id: t.id,
        result,
        ct_orf1ab: input.ctOrf1ab ?? null,
        ct_n: input.ctN ?? null,
        resulted_at: input.resultAt ?? now,
        lab: input.lab.trim(),
        source: opts.source,
        effective: 0,
        reported_by: actor.userId,
        reported_by_name: actor.name,
        reported_at: now,
      };
      if (t.status === 'resulted') {
        if (t.result === result) {
          outcomes.push({ tubeId: t.id, barcode: t.barcode!, status: 'unchanged', result, rechecksStarted: 0 });
          reports.push(report(input.row, t.barcode!, 'unchanged'));
          continue;
        }
        await repo.insertResults(tx, [resultRow]);
        await repo.upsertFlag(
          tx,
          flagRow({
            id: newId(now),
            campaignId: t.campaign_id,
            kind: 'conflicting_results',
            subjectKey: t.id,
            tubeId: t.id,
            path: t.jurisdiction_path,
            detail: { barcode: t.barcode, effective: t.result, reported: result, lab: resultRow.lab },
            now,
          }),
        );
        outcomes.push({ tubeId: t.id, barcode: t.barcode!, status: 'conflict', result: t.result as TestResult, rechecksStarted: 0 });
        reports.push(report(input.row, t.barcode!, 'conflict'));
        journalRows.push({ tubeId: t.id, barcode: t.barcode, result, conflictWith: t.result });
        continue;
      }
      firstResults.push({ ...resultRow, effective: 1 });
      const patch = {
        status: 'resulted',
        result,
        ct_orf1ab: resultRow.ct_orf1ab,
        ct_n: resultRow.ct_n,
        result_at: resultRow.resulted_at,
        lab: resultRow.lab,
        updated_at: now,
      };
      await repo.updateTube(tx, t.id, patch);
      fresh.set(t.id, { ...t, ...patch });
      const outcome: Outcome = { tubeId: t.id, barcode: t.barcode!, status: 'recorded', result, rechecksStarted: 0 };
      // A pool's plain result (negative, invalid) only moves counters: done for all such tubes at
      // once below. Reactive pools and recheck tubes take their own path (rechecks, tasks, alerts).
      if (t.kind !== 'recheck' && !isReactive(result)) plain.push({ ...t, ...patch });
      else effects.push({ tube: { ...t, ...patch }, result, outcome });
      outcomes.push(outcome);
      if (isReactive(result)) reports.push(report(input.row, t.barcode!, 'recorded'));
      journalRows.push({
        tubeId: t.id,
        barcode: t.barcode,
        result,
        ctOrf1ab: resultRow.ct_orf1ab,
        ctN: resultRow.ct_n,
        lab: resultRow.lab,
        resultedAt: resultRow.resulted_at,
      });
    }
    await repo.insertResults(tx, firstResults);
    await applyPlainEffects(tx, plain);
    for (const e of effects) e.outcome.rechecksStarted = await applyEffects(tx, actor, e.tube, null, e.result);
    if (journalRows.length) {
      await journal.appendBatch(tx, actor, {
        action: 'testing.result.record',
        entityType: 'testing_tube',
        jurisdictionPath: null,
        rows: journalRows,
        summary: {
          source: opts.source,
          recorded: outcomes.filter((o) => o.status === 'recorded').length,
          conflicts: outcomes.filter((o) => o.status === 'conflict').length,
        },
      });
    }
    return { outcomes, reports: reports.sort((a, b) => a.row - b.row), rejected: rejectedRows };
  }

  return {
    /**
     * Receives tubes by transport box. A tube still open is closed by its receipt; one already
     * received is reported, not an error. Unknown or malformed barcodes refuse the box (mode `all`)
     * or are left out (mode `partial`).
     */
    async receive(trx: Tx | undefined, actor: Actor, input: { boxCode: string; barcodes: readonly string[]; campaignId?: string; mode?: 'all' | 'partial' }) {
      requireCap(actor, 'testing.lab');
      return inTx(trx ?? deps.db, async (tx) => {
        const now = deps.clock.now();
        const rows: RowReport[] = [];
        const wanted = input.barcodes.map((raw, i) => ({ row: i + 1, raw, barcode: normalizeBarcode(raw) }));
        const tubes = byBarcode(
          await repo.findTubesByBarcodes(
            tx,
            wanted.map((w) => w.barcode).filter((b): b is string => !!b),
          ),
        );
        const toReceive: repo.TubeRow[] = [];
        const seen = new Set<string>();
        let already = 0;
        for (const w of wanted) {
          const t = w.barcode ? pick(tubes, actor, w.barcode, input.campaignId) : undefined;
          const err = !w.barcode
            ? TestingErrors.BARCODE_MALFORMED({ barcode: w.raw })
            : !t
              ? TestingErrors.TUBE_NOT_FOUND({ barcode: w.barcode })
              : t.status === 'awaiting_sample' || (t.status === 'open' && Number(t.scan_count) === 0)
                ? TestingErrors.TUBE_EMPTY({ barcode: w.barcode })
                : null;
          if (err) {
            rows.push(report(w.row, w.raw, 'rejected', err));
            continue;
          }
          if (t!.status === 'received' || t!.status === 'resulted' || seen.has(t!.id)) {
            already++;
            rows.push(report(w.row, w.barcode!, 'already_received'));
            continue;
          }
          seen.add(t!.id);
          toReceive.push(t!);
        }
        const rejected = rows.filter((r) => r.status === 'rejected').length;
        if (rejected && input.mode !== 'partial') throw TestingErrors.RECEIVE_INVALID(rows.filter((r) => r.status === 'rejected'));
        for (const t of toReceive) {
          const closing = t.status === 'open' ? { closed_at: now, closed_reason: 'received' } : {};
          await repo.updateTube(tx, t.id, {
            ...closing,
            status: 'received',
            box_code: input.boxCode,
            received_at: now,
            received_by: actor.userId,
            updated_at: now,
          });
        }
        if (toReceive.length) {
          await journal.appendBatch(tx, actor, {
            action: 'testing.lab.receive',
            entityType: 'testing_tube',
            jurisdictionPath: null,
            rows: toReceive.map((t) => ({ tubeId: t.id, barcode: t.barcode, closedByReceipt: t.status === 'open' })),
            summary: { boxCode: input.boxCode, received: toReceive.length, alreadyReceived: already },
          });
          await hooks.resultChanged(
            tx,
            (
              await repo.scansOfTubes(
                tx,
                toReceive.map((t) => t.id),
              )
            ).map((s) => s.person_id),
          );
        }
        return { received: toReceive.length, alreadyReceived: already, rejected, rows: rows.sort((a, b) => a.row - b.row) };
      });
    },

    /** One result, entered by hand. Errors are thrown with their reason (nothing written). */
    async recordOne(trx: Tx | undefined, actor: Actor, input: ResultInput) {
      return inTx(trx ?? deps.db, async (tx) => {
        const r = await record(tx, actor, [{ ...input, row: 1 }], { mode: 'all', source: 'manual', single: true });
        const o = firstItem(r.outcomes, 'the outcome of the result');
        return { tubeId: o.tubeId, barcode: o.barcode, status: o.status, result: o.result, rechecksStarted: o.rechecksStarted };
      });
    },

    /**
     * Imports a CSV of results (header: barcode, result, ct_orf1ab, ct_n, time, lab — Chinese
     * headers too). All or nothing by default: any bad row → IMPORT_INVALID with the row report.
     */
    async importCsv(trx: Tx | undefined, actor: Actor, csv: string, mode: 'all' | 'partial' = 'all') {
      requireCap(actor, 'testing.lab');
      const now = deps.clock.now();
      // Parsed on a parse worker after the upload guard's shape check (columns, row length).
      const records = await parseTextOffThread<CsvRow[]>(csv, { module: RULES_MODULE, fn: 'parseCsvRows' });
      const [head, ...body] = records;
      if (!head || !body.length) throw TestingErrors.IMPORT_EMPTY();
      const cols = head.cells.map((h) => HEADERS[h.trim().toLowerCase()] ?? HEADERS[h.trim()]);
      if (!cols.includes('barcode') || !cols.includes('result') || !cols.includes('lab'))
        throw TestingErrors.IMPORT_HEADER_INVALID({ header: head.cells.slice(0, 20) });
      const inputs: (ResultInput & { row: number })[] = [];
      const early: RowReport[] = [];
      // Each report names the row as a spreadsheet program shows it: the header is row 1, the first result row 2.
      for (const { row, cells } of body) {
        const get = (f: string) => cells[cols.indexOf(f as never)] ?? '';
        const barcode = get('barcode').trim();
        const fail = (code: TestingErrorCode, details: unknown) => early.push(report(row, barcode, 'rejected', TestingErrors[code](details)));
        const result = RESULT_WORDS[get('result').trim().toLowerCase()] ?? RESULT_WORDS[get('result').trim()];
        const ct1 = num(get('ctOrf1ab'));
        const ct2 = num(get('ctN'));
        const at = parseTime(get('resultAt'), deps.config.tz, now);
        if (!result) fail('RESULT_INVALID', { field: 'result', value: get('result').slice(0, 20) });
        else if (ct1 === 'bad' || ct2 === 'bad') fail('CT_OUT_OF_RANGE', { field: ct1 === 'bad' ? 'ct_orf1ab' : 'ct_n' });
        else if (at === null) fail('RESULT_INVALID', { field: 'time' });
        else inputs.push({ row, barcode, result, ctOrf1ab: ct1, ctN: ct2, resultAt: at, lab: get('lab') });
      }
      return inTx(trx ?? deps.db, async (tx) => {
        // Rows that did not parse join the report; with mode `all` they refuse the file before anything is written.
        const r = await record(tx, actor, inputs, { mode, source: 'import', rejectedBefore: early });
        const count = (s: string) => r.outcomes.filter((o) => o.status === s).length;
        return {
          rows: body.length,
          recorded: count('recorded'),
          unchanged: count('unchanged'),
          conflicts: count('conflict'),
          rejected: r.rejected,
          rechecksStarted: r.outcomes.reduce((n, o) => n + o.rechecksStarted, 0),
          report: r.reports.slice(0, 2000),
        };
      });
    },

    /**
     * Corrects a tube's result: the tube takes the new result, a `correction` result row is added
     * (earlier rows stay), and the corrections service journals before/after with the reason. The
     * counters and rechecks follow the change.
     */
    async correct(
      trx: Tx | undefined,
      actor: Actor,
      tubeId: string,
      input: { result: TestResult; ctOrf1ab?: number | null; ctN?: number | null; reason: string },
    ) {
      requireCap(actor, 'testing.lab');
      return inTx(trx ?? deps.db, async (tx) => {
        await repo.lockTubes(tx, [tubeId]);
        const t = await repo.findTube(tx, tubeId);
        if (!t || !inScope(actor, t.jurisdiction_path)) throw TestingErrors.TUBE_NOT_FOUND({ tubeId });
        if (t.status !== 'resulted' || !t.result) throw TestingErrors.TUBE_NOT_RESULTED({ tubeId, status: t.status });
        if (!ctInRange(input.ctOrf1ab) || !ctInRange(input.ctN))
          throw TestingErrors.CT_OUT_OF_RANGE({ ctOrf1ab: input.ctOrf1ab ?? null, ctN: input.ctN ?? null });
        if (t.kind === 'recheck' && (t.result === 'invalid' || input.result === 'invalid'))
          throw TestingErrors.RESULT_CORRECTION_UNSUPPORTED({ from: t.result, to: input.result });
        const now = deps.clock.now();
        const before = { result: t.result, ctOrf1ab: t.ct_orf1ab === null ? null : Number(t.ct_orf1ab), ctN: t.ct_n === null ? null : Number(t.ct_n) };
        const after = { result: input.result, ctOrf1ab: input.ctOrf1ab ?? null, ctN: input.ctN ?? null };
        const correction = await deps.services.corrections.record(tx, actor, {
          entityType: 'testing_tube',
          entityId: t.id,
          jurisdictionPath: t.jurisdiction_path,
          before,
          after,
          reason: input.reason,
          action: 'testing.result.correct',
        });
        await repo.markResultsIneffective(tx, t.id);
        await repo.insertResults(tx, [
          {
            id: newId(now),
            tube_id: t.id,
            result: input.result,
            ct_orf1ab: after.ctOrf1ab,
            ct_n: after.ctN,
            resulted_at: now,
            lab: t.lab ?? '',
            source: 'correction',
            effective: 1,
            reported_by: actor.userId,
            reported_by_name: actor.name,
            reported_at: now,
          },
        ]);
        await repo.updateTube(tx, t.id, { result: input.result, ct_orf1ab: after.ctOrf1ab, ct_n: after.ctN, updated_at: now });
        if (t.result !== input.result) await applyEffects(tx, actor, { ...t, result: input.result }, t.result, input.result);
        const tube = (await repo.findTube(tx, t.id))!;
        return {
          tube: tubeDto(tube),
          correction: { id: correction.id, changes: correction.changes, reason: correction.reason, journalSeq: correction.journalSeq },
          history: (await repo.resultsOfTube(tx, t.id)).map(resultRecordDto),
        };
      });
    },

    /** Every result reported for a tube, oldest first (the original stays readable after corrections). */
    async history(tubeId: string, db: DbOrTx = deps.db) {
      return (await repo.resultsOfTube(db, tubeId)).map(resultRecordDto);
    },
  };
}
