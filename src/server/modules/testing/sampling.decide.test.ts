import { describe, expect, it } from 'vitest';
import { systemActor, type Actor } from '../../platform/actor.js';
import { AppError } from '../../platform/errors.js';
import { DecideContext, decide, decideClose, decideOpen, decideScan, type PreparedOp, type State, type TubeState } from './sampling.decide.js';
import type * as repo from './testing.repository.js';
import type { BatchOp } from './testing.schemas.js';
import type { PersonRef } from './testing.shared.js';

/**
 * Table tests of the sampling day's rules, one row per case: the state the batch loaded, one op,
 * and the decision the rules call for. The rows are written from the rules as stated for the
 * sampling day (open a tube, add persons, close it; a resend never counts twice), not from the code.
 */

const NOW = 1_800_000_000_000;
const HOUR = 3_600_000;
const ROOT = systemActor('sampler');
/** A sampler of street s1 only. */
const S1: Actor = { ...ROOT, kind: 'user', userId: 'u-s1', name: '采样员', scopePath: '/s1/' };
const S2: Actor = { ...ROOT, kind: 'user', userId: 'u-s2', name: '采样员二', scopePath: '/s2/' };

function campaign(over: Partial<repo.CampaignRow> = {}): repo.CampaignRow {
  return {
    id: 'camp1',
    name: '第一轮',
    status: 'active',
    scope_ids: '["s1"]',
    scope_paths: '["/s1/"]',
    scope_path: '/s1/',
    starts_at: NOW - HOUR,
    deadline_at: NOW + HOUR,
    pool_size: 10,
    pool_overrides: '[]',
    exempt_statuses: '[]',
    recheck_hours: 6,
    target_total: 0,
    exempt_total: 0,
    created_by: null,
    created_by_name: 'x',
    created_at: 0,
    activated_at: 0,
    closed_at: null,
    coverage_published_at: 0,
    activation_token: null,
    activation_lease_until: null,
    sealed_pool_mode: null,
    updated_at: 0,
    ...over,
  };
}
function site(over: Partial<repo.SiteRow> = {}): repo.SiteRow {
  return {
    id: 'site1',
    name: '一号点',
    kind: 'tent',
    jurisdiction_id: 'c1',
    jurisdiction_path: '/s1/c1/',
    lng: 0,
    lat: 0,
    lanes: 2,
    opening_hours: '[]',
    staff: '[]',
    active: 1,
    created_by: null,
    created_at: 0,
    updated_at: 0,
    ...over,
  };
}
function tube(over: Partial<repo.TubeRow> = {}): repo.TubeRow {
  return {
    id: 'tube1',
    campaign_id: 'camp1',
    barcode: 'TUBE0001',
    kind: 'pool',
    pool_size: 10,
    status: 'open',
    site_id: 'site1',
    jurisdiction_path: '/s1/c1/',
    parent_tube_id: null,
    scan_count: 3,
    open_client_id: 'open-client-1',
    opened_by: 'u',
    opened_by_name: 'u',
    opened_at: NOW - HOUR,
    closed_at: null,
    closed_reason: null,
    close_client_id: null,
    box_code: null,
    received_at: null,
    received_by: null,
    result: null,
    ct_orf1ab: null,
    ct_n: null,
    result_at: null,
    lab: null,
    created_at: 0,
    updated_at: 0,
    ...over,
  };
}
const person = (over: Partial<PersonRef> = {}): PersonRef => ({ personId: 'p1', path: '/s1/c1/b1/', name: '张三', nameMasked: '张*', method: 'code', ...over });

interface Given {
  campaigns?: repo.CampaignRow[];
  sites?: repo.SiteRow[];
  tubes?: repo.TubeRow[];
  /** Scans already applied, by client id. */
  scans?: Array<Pick<repo.ScanRow, 'id' | 'client_id' | 'tube_id' | 'name_masked'>>;
  /** Counted scans of persons in a campaign: [campaignId, personId, scanId, tube result]. */
  counted?: Array<[string, string, string, string | null]>;
}

function stateOf(g: Given = {}): State {
  const tubesById = new Map<string, TubeState>();
  const tubesByKey = new Map<string, TubeState>();
  const barcodeCampaigns = new Map<string, Set<string>>();
  for (const t of g.tubes ?? [tube()]) {
    const st = { row: { ...t }, isNew: false, dirty: false };
    tubesById.set(t.id, st);
    if (t.barcode) {
      tubesByKey.set(`${t.campaign_id}\n${t.barcode}`, st);
      barcodeCampaigns.set(t.barcode, new Set([...(barcodeCampaigns.get(t.barcode) ?? []), t.campaign_id]));
    }
  }
  return {
    campaigns: new Map((g.campaigns ?? [campaign()]).map((c) => [c.id, c])),
    sites: new Map((g.sites ?? [site()]).map((s) => [s.id, s])),
    tubesById,
    tubesByKey,
    barcodeCampaigns,
    scansByClient: new Map((g.scans ?? []).map((s) => [s.client_id, s as repo.ScanRow])),
    counted: new Map((g.counted ?? []).map(([c, p, scanId, tubeResult]) => [`${c}\n${p}`, { scanId, tubeResult, path: '/s1/c1/b1/' }])),
  };
}

/** Runs one per-op function; answers its result, or the rejection's code. */
function run(
  g: Given,
  fn: (ctx: DecideContext) => {
    result: { status: string; tube: { status: string; count: number; poolSize: number } | null; flags: string[] };
    journalRow?: unknown;
  },
) {
  const ctx = new DecideContext(stateOf(g), NOW);
  try {
    const o = fn(ctx);
    return { status: o.result.status, tube: o.result.tube, flags: o.result.flags, journaled: !!o.journalRow, ctx };
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return { status: 'rejected', code: err.code, ctx };
  }
}

type OpenOp = BatchOp & { op: 'open' };
const open = (over: Partial<OpenOp> = {}): OpenOp => ({
  op: 'open',
  clientId: 'open-client-2',
  campaignId: 'camp1',
  siteId: 'site1',
  barcode: 'tube0002',
  ...over,
});

describe('sampling decisions: open a tube', () => {
  const rows: Array<{
    rule: string;
    given?: Given;
    op?: Partial<OpenOp>;
    actor?: Actor;
    expect: { status: string; code?: string; poolSize?: number; flags?: string[] };
  }> = [
    {
      rule: 'a new barcode at an active site of an active campaign opens an empty tube of the campaign pool size',
      expect: { status: 'applied', poolSize: 10, flags: [] },
    },
    { rule: 'the sampler may choose another allowed pool size', op: { poolSize: 5 }, expect: { status: 'applied', poolSize: 5 } },
    { rule: 'a pool size outside 1, 5, 10, 20 is refused', op: { poolSize: 3 as 5 }, expect: { status: 'rejected', code: 'POOL_SIZE_INVALID' } },
    {
      rule: 'a planner override for the site area sets the default pool size',
      given: { campaigns: [campaign({ pool_overrides: '[{"jurisdictionId":"c1","path":"/s1/c1/","poolSize":20}]' })] },
      expect: { status: 'applied', poolSize: 20 },
    },
    {
      rule: 'a barcode that is not 8 to 20 letters or digits is malformed',
      op: { barcode: 'ab-1' },
      expect: { status: 'rejected', code: 'BARCODE_MALFORMED' },
    },
    { rule: 'an unknown campaign is not found', op: { campaignId: 'nope' }, expect: { status: 'rejected', code: 'CAMPAIGN_NOT_FOUND' } },
    { rule: 'a campaign outside the sampler scope is answered as not found', actor: S2, expect: { status: 'rejected', code: 'CAMPAIGN_NOT_FOUND' } },
    {
      rule: 'a planned campaign takes no tubes',
      given: { campaigns: [campaign({ status: 'planned' })] },
      expect: { status: 'rejected', code: 'CAMPAIGN_NOT_ACTIVE' },
    },
    {
      rule: 'a closed campaign takes no tubes',
      given: { campaigns: [campaign({ status: 'closed' })] },
      expect: { status: 'rejected', code: 'CAMPAIGN_NOT_ACTIVE' },
    },
    { rule: 'an unknown site is not found', op: { siteId: 'nope' }, expect: { status: 'rejected', code: 'SITE_NOT_FOUND' } },
    { rule: 'a deactivated site opens no tubes', given: { sites: [site({ active: 0 })] }, expect: { status: 'rejected', code: 'SITE_INACTIVE' } },
    {
      rule: "a site outside the sampler's scope is answered as not found",
      given: { sites: [site({ jurisdiction_path: '/s2/c9/' })] },
      expect: { status: 'rejected', code: 'SITE_NOT_FOUND' },
    },
    {
      rule: 'a site outside the campaign scope is refused',
      actor: ROOT,
      given: { sites: [site({ jurisdiction_path: '/s2/c9/' })] },
      expect: { status: 'rejected', code: 'SITE_OUTSIDE_CAMPAIGN' },
    },
    {
      rule: "a community's site may serve a campaign of one compound inside it",
      given: { campaigns: [campaign({ scope_paths: '["/s1/c1/k1/"]', scope_path: '/s1/c1/k1/' })] },
      expect: { status: 'applied' },
    },
    { rule: 'a barcode already used in this campaign is in use', op: { barcode: 'TUBE0001' }, expect: { status: 'rejected', code: 'TUBE_BARCODE_IN_USE' } },
    {
      rule: 'the same open resent (same client id) answers duplicate',
      op: { barcode: 'TUBE0001', clientId: 'open-client-1' },
      expect: { status: 'duplicate' },
    },
    {
      rule: 'a barcode used in another campaign opens, flagged as reused',
      given: { tubes: [tube({ campaign_id: 'camp0' })] },
      op: { barcode: 'TUBE0001' },
      expect: { status: 'applied', flags: ['tube_reused'] },
    },
    {
      rule: 'a device time more than seven days old is not believed and is flagged',
      op: { at: NOW - 8 * 24 * HOUR },
      expect: { status: 'applied', flags: ['device_time_out_of_range'] },
    },
    { rule: 'a device time a few hours old (a late sync) is kept unflagged', op: { at: NOW - 3 * HOUR }, expect: { status: 'applied', flags: [] } },
  ];
  it.each(rows)('$rule', ({ given, op, actor, expect: e }) => {
    const r = run(given ?? {}, (ctx) => decideOpen(ctx, 0, open(op), actor ?? S1));
    expect(r.status).toBe(e.status);
    if (e.code) expect(r.code).toBe(e.code);
    if (e.status === 'applied') {
      expect(r.journaled).toBe(true);
      expect(r.tube).toMatchObject({ status: 'open', count: 0 });
      if (e.poolSize) expect(r.tube?.poolSize).toBe(e.poolSize);
    }
    if (e.status !== 'applied') expect(r.ctx.flags.size).toBe(0);
    if (e.flags) expect(r.flags).toEqual(e.flags);
  });

  it('records the device time it believes, else the server time', () => {
    const ctx = new DecideContext(stateOf(), NOW);
    const o = decideOpen(ctx, 0, open({ at: NOW - 3 * HOUR }), S1);
    expect(ctx.state.tubesById.get(o.result.tube!.id)?.row.opened_at).toBe(NOW - 3 * HOUR);
    const o2 = decideOpen(ctx, 1, open({ clientId: 'open-client-3', barcode: 'TUBE0003', at: NOW + HOUR }), S1);
    expect(ctx.state.tubesById.get(o2.result.tube!.id)?.row.opened_at).toBe(NOW);
  });
});

type ScanOp = BatchOp & { op: 'scan' };
const scan = (over: Partial<ScanOp> = {}): ScanOp => ({ op: 'scan', clientId: 'scan-client-1', tubeId: 'tube1', residentCode: 'BW2.x', ...over });

describe('sampling decisions: add a person to a tube', () => {
  const rows: Array<{
    rule: string;
    given?: Given;
    op?: Partial<ScanOp>;
    who?: PersonRef | AppError | null;
    actor?: Actor;
    expect: { status: string; code?: string; counted?: boolean; tube?: { status: string; count: number }; flags?: string[]; uncounts?: string[] };
  }> = [
    {
      rule: "a person's first scan in a campaign counts and adds one to the tube",
      expect: { status: 'applied', counted: true, tube: { status: 'open', count: 4 }, flags: [] },
    },
    {
      rule: 'the scan that fills the pool closes the tube as full',
      given: { tubes: [tube({ scan_count: 9 })] },
      expect: { status: 'applied', counted: true, tube: { status: 'closed', count: 10 }, flags: [] },
    },
    {
      rule: 'a tube closed because it was full still takes a late person, flagged over its pool size',
      given: { tubes: [tube({ scan_count: 10, status: 'closed', closed_reason: 'full' })] },
      expect: { status: 'applied', counted: true, tube: { status: 'closed', count: 11 }, flags: ['tube_over_pool'] },
    },
    {
      rule: 'a tube closed by hand takes nobody',
      given: { tubes: [tube({ status: 'closed', closed_reason: 'manual' })] },
      expect: { status: 'rejected', code: 'TUBE_CLOSED' },
    },
    {
      rule: 'a tube received by the lab takes nobody',
      given: { tubes: [tube({ status: 'received', closed_reason: 'manual' })] },
      expect: { status: 'rejected', code: 'TUBE_CLOSED' },
    },
    {
      rule: 'a person already counted in this campaign is recorded, not counted, and flagged sampled twice',
      given: { counted: [['camp1', 'p1', 'old-scan', null]] },
      expect: { status: 'applied', counted: false, tube: { status: 'open', count: 4 }, flags: ['person_sampled_twice'] },
    },
    {
      rule: 'a person counted in a tube that turned out negative is sampled twice too',
      given: { counted: [['camp1', 'p1', 'old-scan', 'negative']] },
      expect: { status: 'applied', counted: false, flags: ['person_sampled_twice'] },
    },
    {
      rule: 'a person whose counted tube was invalid is re-sampled: the new scan counts instead of the old',
      given: { counted: [['camp1', 'p1', 'old-scan', 'invalid']] },
      expect: { status: 'applied', counted: true, flags: [], uncounts: ['old-scan'] },
    },
    {
      rule: 'a counted scan in another campaign does not matter',
      given: { counted: [['camp0', 'p1', 'old-scan', null]] },
      expect: { status: 'applied', counted: true, flags: [] },
    },
    {
      rule: 'the same scan resent (same client id) answers duplicate and adds nobody',
      given: { scans: [{ id: 'scan-a', client_id: 'scan-client-1', tube_id: 'tube1', name_masked: '张*' }] },
      expect: { status: 'duplicate', tube: { status: 'open', count: 3 } },
    },
    { rule: 'an unknown tube is not found', op: { tubeId: 'nope' }, expect: { status: 'rejected', code: 'TUBE_NOT_FOUND' } },
    { rule: "a tube outside the sampler's scope is answered as not found", actor: S2, expect: { status: 'rejected', code: 'TUBE_NOT_FOUND' } },
    {
      rule: 'a tube named by a malformed barcode is refused',
      op: { tubeId: undefined, campaignId: 'camp1', barcode: '??' },
      expect: { status: 'rejected', code: 'BARCODE_MALFORMED' },
    },
    {
      rule: 'a tube may be named by campaign and barcode',
      op: { tubeId: undefined, campaignId: 'camp1', barcode: ' tube0001 ' },
      expect: { status: 'applied', counted: true, tube: { status: 'open', count: 4 } },
    },
    { rule: 'a recheck tube takes no pool scans', given: { tubes: [tube({ kind: 'recheck' })] }, expect: { status: 'rejected', code: 'TUBE_KIND_INVALID' } },
    {
      rule: 'a campaign that has closed takes no scans',
      given: { campaigns: [campaign({ status: 'closed' })] },
      expect: { status: 'rejected', code: 'CAMPAIGN_NOT_ACTIVE' },
    },
    { rule: 'a scan names a person', who: null, expect: { status: 'rejected', code: 'PERSON_IDENTIFIER_REQUIRED' } },
    {
      rule: "a person lookup that failed rejects the scan with the lookup's reason",
      who: new AppError('RESIDENT_CODE_INVALID', 422, 'bad code'),
      expect: { status: 'rejected', code: 'RESIDENT_CODE_INVALID' },
    },
    {
      rule: "a resident code of someone living outside the campaign's scope is outside the campaign",
      who: person({ path: '/s2/c9/b9/' }),
      expect: { status: 'rejected', code: 'PERSON_OUTSIDE_CAMPAIGN' },
    },
    {
      rule: "a typed ID number of someone registered outside the sampler's scope is answered as unregistered",
      who: person({ path: '/s2/c9/b9/', method: 'id_number' }),
      expect: { status: 'rejected', code: 'PERSON_NOT_FOUND' },
    },
    {
      rule: 'a typed ID number outside the campaign but inside the sampler scope is outside the campaign',
      actor: ROOT,
      who: person({ path: '/s2/c9/b9/', method: 'id_number' }),
      expect: { status: 'rejected', code: 'PERSON_OUTSIDE_CAMPAIGN' },
    },
    {
      rule: 'a device time in the future is not believed and the tube is flagged',
      op: { at: NOW + HOUR },
      expect: { status: 'applied', counted: true, flags: ['device_time_out_of_range'] },
    },
  ];
  it.each(rows)('$rule', ({ given, op, who, actor, expect: e }) => {
    const p = who === null ? undefined : (who ?? person());
    const r = run(given ?? {}, (ctx) => decideScan(ctx, 0, scan(op), actor ?? S1, p));
    expect(r.status).toBe(e.status);
    if (e.code) expect(r.code).toBe(e.code);
    if (e.tube) expect(r.tube).toMatchObject(e.tube);
    if (e.flags) expect(r.flags).toEqual(e.flags);
    if (e.status === 'applied') {
      expect(r.ctx.scans).toHaveLength(1);
      expect(r.ctx.scans[0].counted).toBe(e.counted ? 1 : 0);
      expect([...r.ctx.scanned]).toEqual(['p1']);
      const sampled = r.ctx.deltas.get('camp1')?.byPath.get('/s1/c1/b1/')?.sampled ?? 0;
      // A counted scan adds one sampled person (a re-sample moves it: -1 for the old, +1 for the new).
      expect(sampled).toBe(e.counted && !e.uncounts ? 1 : 0);
    } else {
      expect(r.ctx.scans).toHaveLength(0);
      expect(r.ctx.deltas.size).toBe(0);
    }
    expect(r.ctx.uncount).toEqual(e.uncounts ?? []);
  });
});

type CloseOp = BatchOp & { op: 'close' };
const close = (over: Partial<CloseOp> = {}): CloseOp => ({ op: 'close', clientId: 'close-client-1', tubeId: 'tube1', ...over });

describe('sampling decisions: close a tube', () => {
  const rows: Array<{ rule: string; given?: Given; op?: Partial<CloseOp>; expect: { status: string; code?: string } }> = [
    { rule: 'an open tube with persons closes by hand', expect: { status: 'applied' } },
    { rule: 'an empty tube cannot be closed', given: { tubes: [tube({ scan_count: 0 })] }, expect: { status: 'rejected', code: 'TUBE_EMPTY' } },
    {
      rule: 'a tube closed already (full) cannot be closed again',
      given: { tubes: [tube({ status: 'closed', closed_reason: 'full' })] },
      expect: { status: 'rejected', code: 'TUBE_ALREADY_CLOSED' },
    },
    {
      rule: 'the same close resent (same client id) answers duplicate',
      given: { tubes: [tube({ status: 'closed', closed_reason: 'manual', close_client_id: 'close-client-1' })] },
      expect: { status: 'duplicate' },
    },
    { rule: 'an unknown tube is not found', op: { tubeId: 'nope' }, expect: { status: 'rejected', code: 'TUBE_NOT_FOUND' } },
  ];
  it.each(rows)('$rule', ({ given, op, expect: e }) => {
    const r = run(given ?? {}, (ctx) => decideClose(ctx, 0, close(op), S1));
    expect(r.status).toBe(e.status);
    if (e.code) expect(r.code).toBe(e.code);
    if (e.status === 'applied') {
      expect(r.journaled).toBe(true);
      const row = r.ctx.state.tubesById.get('tube1')!.row;
      expect([row.status, row.closed_reason, row.close_client_id, row.scan_count]).toEqual(['closed', 'manual', 'close-client-1', 3]);
    }
  });
});

describe('sampling decisions: a batch in order', () => {
  const prep = (op: BatchOp, p?: PersonRef | AppError): PreparedOp => ({ op, actor: S1, person: p });

  it('a tube opened earlier in the batch takes later scans; every brief shows the tube after the batch', () => {
    const d = decide(
      stateOf({ tubes: [] }),
      [
        prep(open()),
        prep(scan({ tubeId: undefined, campaignId: 'camp1', barcode: 'TUBE0002' }), person()),
        prep(close({ tubeId: undefined, campaignId: 'camp1', barcode: 'TUBE0002' })),
      ],
      NOW,
      new Set(),
    );
    expect(d.results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied']);
    expect(d.results.map((r) => [r.tube?.status, r.tube?.count])).toEqual([
      ['closed', 1],
      ['closed', 1],
      ['closed', 1],
    ]);
    expect(d.applied).toHaveLength(3);
  });

  it('the same person twice in one batch counts once, the second flagged', () => {
    const d = decide(stateOf(), [prep(scan({ clientId: 'scan-client-1' }), person()), prep(scan({ clientId: 'scan-client-2' }), person())], NOW, new Set());
    expect(d.scans.map((s) => s.counted)).toEqual([1, 0]);
    expect(d.results[1].flags).toEqual(['person_sampled_twice']);
    expect(d.sampledPerCampaign.get('camp1')).toBe(1);
  });

  it('a rejected op writes nothing and the ops after it still apply', () => {
    const d = decide(
      stateOf(),
      [prep(scan({ clientId: 'scan-client-1', tubeId: 'nope' }), person()), prep(scan({ clientId: 'scan-client-2' }), person())],
      NOW,
      new Set(),
    );
    expect(d.results.map((r) => r.status)).toEqual(['rejected', 'applied']);
    expect(d.errors.get(0)?.code).toBe('TUBE_NOT_FOUND');
    expect(d.applied.map((a) => a.result.index)).toEqual([1]);
    expect(d.scans).toHaveLength(1);
  });

  it('a client id applied before by a path the batch could not see answers duplicate and writes nothing', () => {
    const d = decide(stateOf(), [prep(scan(), person())], NOW, new Set(['scan-client-1']));
    expect(d.results[0].status).toBe('duplicate');
    expect(d.applied).toHaveLength(0);
    expect(d.scans).toHaveLength(0);
  });

  it('one flag per subject, counting its occurrences', () => {
    const d = decide(
      stateOf({ tubes: [tube({ scan_count: 10, status: 'closed', closed_reason: 'full' })] }),
      [prep(scan({ clientId: 'scan-client-1' }), person()), prep(scan({ clientId: 'scan-client-2' }), person({ personId: 'p2' }))],
      NOW,
      new Set(),
    );
    const over = d.flags.filter((f) => f.kind === 'tube_over_pool');
    expect(over).toHaveLength(1);
    expect(over[0].occurrences).toBe(2);
  });
});
