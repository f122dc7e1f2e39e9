/**
 * Roles and the one table mapping each role to its capabilities. Server and web both import it:
 * the server enforces, the web hides what a user cannot do. Later modules add capability rows
 * here and nowhere else.
 */
export const ROLES = [
  'commander',
  'district_officer',
  'community_worker',
  'sampler',
  'lab_technician',
  'tracer',
  'supply_officer',
  'analyst',
  'auditor',
  'admin',
] as const;
export type Role = (typeof ROLES)[number];

/** Role labels, Chinese first. */
export const ROLE_LABELS: Record<Role, { zh: string; en: string }> = {
  commander: { zh: '指挥长', en: 'Commander' },
  district_officer: { zh: '区级专员', en: 'District officer' },
  community_worker: { zh: '社区工作人员', en: 'Community worker' },
  sampler: { zh: '采样员', en: 'Sampler' },
  lab_technician: { zh: '检测人员', en: 'Lab technician' },
  tracer: { zh: '流调人员', en: 'Tracer' },
  supply_officer: { zh: '物资保障员', en: 'Supply officer' },
  analyst: { zh: '舆情分析员', en: 'Analyst' },
  auditor: { zh: '审计员', en: 'Auditor' },
  admin: { zh: '系统管理员', en: 'Administrator' },
};

/** Every capability with the roles that hold it. Add rows; do not grant capabilities anywhere else. */
export const CAPABILITY_TABLE = {
  /** Read the jurisdiction tree, maps and counts. */
  'geo.read': ['commander', 'district_officer', 'community_worker', 'sampler', 'lab_technician', 'tracer', 'supply_officer', 'analyst', 'auditor', 'admin'],
  /** Edit jurisdictions and geometry. */
  'geo.manage': ['admin'],
  /** Read the journal. */
  'journal.read': ['commander', 'auditor', 'admin'],
  /** Reveal a full ID or phone number (journaled, with a reason). */
  'person.reveal': ['commander', 'district_officer', 'tracer'],
  /** Read persons (masked) within scope. */
  'person.read': ['commander', 'district_officer', 'community_worker', 'sampler', 'tracer', 'auditor', 'admin'],
  /** Create and edit persons; import resident lists. */
  'person.manage': ['district_officer', 'community_worker', 'admin'],
  /** Read control statuses and why a person is under a measure. */
  'control.read': ['commander', 'district_officer', 'community_worker', 'tracer', 'auditor', 'admin'],
  /** Request manual control-status changes (bulk ones wait for a second approver). */
  'control.change': ['commander', 'district_officer', 'community_worker', 'tracer'],
  /** Approve bulk control-status changes (the second approver). */
  'status.approve-bulk': ['commander', 'district_officer'],
  /** Read risk areas, proposals, the lifting schedule, the 一刀切 detector and the zoning map (风险区). */
  'area.read': ['commander', 'district_officer', 'community_worker', 'tracer', 'auditor', 'admin'],
  /** Propose risk areas (from the evidence or by hand) and adjust proposals; publishing needs area.publish. */
  'area.propose': ['commander', 'district_officer', 'tracer'],
  /** Publish (approve), reject, step down and lift risk areas; justify a flagged one; set the detector threshold. */
  'area.publish': ['commander'],
  /** Create and activate protocol presets. */
  'preset.manage': ['commander'],
  /** Create tasks and assign them to units. */
  'task.assign': ['commander', 'district_officer', 'community_worker', 'tracer', 'admin'],
  /** See and work the tasks of one's unit. */
  'task.work': ['commander', 'district_officer', 'community_worker', 'sampler', 'lab_technician', 'tracer', 'supply_officer', 'analyst', 'admin'],
  /** Verify reported tasks. */
  'task.verify': ['commander', 'district_officer'],
  /** Raise alerts. */
  'alert.raise': ['commander', 'district_officer', 'community_worker', 'admin'],
  /** Read the notification feed and acknowledge alerts. */
  'notification.read': [
    'commander',
    'district_officer',
    'community_worker',
    'sampler',
    'lab_technician',
    'tracer',
    'supply_officer',
    'analyst',
    'auditor',
    'admin',
  ],
  /** Create, edit and deactivate users and units; import staff. */
  'user.manage': ['admin'],
  /** Read users and units (directory). */
  'user.read': ['commander', 'district_officer', 'community_worker', 'auditor', 'admin'],
  /** Read the dashboard summary counts. */
  'dashboard.read': [
    'commander',
    'district_officer',
    'community_worker',
    'sampler',
    'lab_technician',
    'tracer',
    'supply_officer',
    'analyst',
    'auditor',
    'admin',
  ],
  /** Read testing campaigns, sites, tubes, coverage, flags and rechecks (核酸检测). */
  'testing.read': ['commander', 'district_officer', 'community_worker', 'sampler', 'lab_technician', 'tracer', 'analyst', 'auditor', 'admin'],
  /**
   * Open tubes and scan persons into them; sample single-tube rechecks (采样). Commanders and district
   * officers hold it too, so they keep being able to grant the sampler role (see canGrantRole).
   */
  'testing.sample': ['commander', 'district_officer', 'sampler'],
  /** Receive tubes, record and import results, correct a result (检测). */
  'testing.lab': ['lab_technician'],
  /** Plan and run campaigns, sites and their readiness, review flags, home-sampling tasks. */
  'testing.manage': ['commander', 'district_officer'],
  /**
   * Work a building's door-knocking list (敲门行动): record each knock's outcome, and reveal a resident's
   * phone to call them (journaled, reason preset 敲门核查), for persons in the worker's own scope.
   */
  'doorknock.work': ['commander', 'district_officer', 'community_worker'],
  /** Read cases, contacts, clusters, the chain graph and the board (感染者、密接、一起疫情). */
  'case.read': ['commander', 'district_officer', 'tracer', 'auditor', 'admin'],
  /** Confirm and record cases, investigations, contacts and cross-region requests (流调). */
  'case.manage': ['tracer', 'district_officer', 'commander'],
  /** Read quarantine facilities, rooms, occupancy and stays (隔离). */
  'quarantine.read': ['commander', 'district_officer', 'community_worker', 'tracer', 'supply_officer', 'auditor', 'admin'],
  /** Manage facilities and rooms, assign and release stays, record test days. */
  'quarantine.manage': ['district_officer', 'community_worker', 'tracer', 'supply_officer', 'commander'],
  /**
   * Request and approve an early release from quarantine (提前解除隔离, before the end date or with test
   * results pending or positive). Lifting a health measure early is a decision for the officers who
   * answer for the district, not for logistics (supply_officer) or field staff who hold
   * `quarantine.manage`; the release needs a second holder of this capability to approve.
   */
  'quarantine.release-early': ['commander', 'district_officer'],
  /** Run spatiotemporal-companion detection and review its candidates (时空伴随). */
  'companions.review': ['tracer', 'commander'],
  /** Move the demo clock, run maintenance. */
  'system.manage': ['admin'],
  /** Acknowledge (close) an alert addressed to oneself, one's unit or a jurisdiction inside one's scope; not the read-only auditor. */
  'alert.acknowledge': ['commander', 'district_officer', 'community_worker', 'sampler', 'lab_technician', 'tracer', 'supply_officer', 'analyst', 'admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Capability = keyof typeof CAPABILITY_TABLE;
export const CAPABILITIES = Object.keys(CAPABILITY_TABLE) as Capability[];

/** The capabilities held by a set of roles. */
export function capabilitiesOf(roles: readonly Role[]): Set<Capability> {
  const out = new Set<Capability>();
  for (const cap of CAPABILITIES) {
    if ((CAPABILITY_TABLE[cap] as readonly Role[]).some((r) => roles.includes(r))) out.add(cap);
  }
  return out;
}

/**
 * Whether a holder of `granterRoles` may give `role` to someone. An administrator may grant every
 * role. Anyone else may grant only a role whose capabilities they hold themselves (nobody hands out
 * power they do not have), and never `admin` or `auditor` (an auditor must not be appointed by the
 * people they audit).
 */
export function canGrantRole(granterRoles: readonly Role[], role: Role): boolean {
  if (granterRoles.includes('admin')) return true;
  if (role === 'admin' || role === 'auditor') return false;
  const own = capabilitiesOf(granterRoles);
  for (const cap of capabilitiesOf([role])) if (!own.has(cap)) return false;
  return true;
}

/** The roles a holder of `granterRoles` may grant, in ROLES order. */
export function grantableRoles(granterRoles: readonly Role[]): Role[] {
  return ROLES.filter((r) => canGrantRole(granterRoles, r));
}

/**
 * Reads a role from what a person typed: the code name (`sampler`), or its Chinese or English label
 * (`采样员`, `Sampler`), case- and space-insensitive. Undefined when nothing matches.
 */
export function parseRole(text: string): Role | undefined {
  const t = text.trim().toLowerCase().replace(/\s+/g, ' ');
  if (!t) return undefined;
  for (const r of ROLES) {
    if (r === t || ROLE_LABELS[r].zh === t || ROLE_LABELS[r].en.toLowerCase() === t) return r;
  }
  return undefined;
}

/** Kinds of unit (单位 / 专班). Stored in `units.kind`. */
export const UNIT_KINDS = ['hq', 'district_hq', 'street_office', 'community', 'task_force', 'lab', 'facility', 'other'] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];

/** Unit kind labels, Chinese first. */
export const UNIT_KIND_LABELS: Record<UnitKind, { zh: string; en: string }> = {
  hq: { zh: '指挥部', en: 'Command HQ' },
  district_hq: { zh: '区指挥部', en: 'District HQ' },
  street_office: { zh: '街道办事处', en: 'Street office' },
  community: { zh: '社区居委会', en: 'Community committee' },
  task_force: { zh: '专班', en: 'Task force' },
  lab: { zh: '检测机构', en: 'Laboratory' },
  facility: { zh: '隔离场所', en: 'Facility' },
  other: { zh: '其他', en: 'Other' },
};

/**
 * Whether an in-app link is an internal path the web may follow: `/something`, never a scheme
 * (`https:`, `javascript:`), a protocol-relative `//host`, a backslash trick or control characters.
 */
export function isInternalLink(link: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what a link may not hold
  return /^\/(?![/\\])[^\s\\\u0000-\u001f\u007f]*$/.test(link) && !/^\/[^?#]*:/.test(link.split(/[?#]/)[0] ?? '') && link.length <= 500;
}
