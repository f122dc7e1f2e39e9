/**
 * The situation home page (疫情态势): the figures an HQ asks for first each morning, for one
 * jurisdiction. Shared by the server (dashboard.service) and the web (dashboard page).
 * Days are calendar days in BULWARK_TZ; `today` runs from its midnight to `asOf`.
 */

/** New infections in one window, split by where they were found. */
export interface InfectionCounts {
  /** Found among people already under a measure (管控内: quarantine, home monitoring, sealed or controlled areas). */
  inControl: number;
  /** Found in the community (社会面): not under any measure when confirmed. */
  community: number;
  confirmed: number;
  asymptomatic: number;
  total: number;
}

export interface SituationDto {
  jurisdictionId: string | null;
  jurisdictionPath: string;
  /** Epoch ms the figures were read. */
  asOf: number;
  /** YYYY-MM-DD in BULWARK_TZ. */
  today: string;
  yesterday: string;
  /** Null when the caller may not read cases (case.read). */
  infections: { today: InfectionCounts; yesterday: InfectionCounts } | null;
  /** Close contacts (密接): null without case.read. */
  contacts: {
    identifiedToday: number;
    identifiedYesterday: number;
    /** Of those identified today and yesterday, how many are already under quarantine. */
    placedOfRecent: number;
    /** Open close contacts living in the scope who are not yet under quarantine (待转运). */
    awaitingPlacement: number;
  } | null;
  /** Persons under each measure now (control counters): null without control.read. */
  measures: {
    pendingRecheck: number;
    quarantinedCentral: number;
    quarantinedHome: number;
    homeMonitored: number;
    /** Contacts awaiting placement (待转运): held, not yet in a stay (issue 16). */
    awaitingPlacement: number;
    sealed: number;
    controlled: number;
    /** Person measures only (never whole compounds). */
    underPersonMeasure: number;
    underAreaMeasure: number;
  } | null;
  /** Risk areas: null without area.read. */
  areas: {
    publishedToday: number;
    liftedToday: number;
    publishedYesterday: number;
    liftedYesterday: number;
    /** Published areas now, by level. */
    current: { high: number; medium: number; low: number };
  } | null;
  /** The active testing round in the scope (the most recent active campaign): null without testing.read or when none runs. */
  testing: {
    campaignId: string;
    name: string;
    deadline: number | null;
    target: number;
    sampled: number;
    /** 0..100, one decimal. */
    percent: number;
    overdue: boolean;
  } | null;
  /** Overdue work: tasks (task.work) and quarantine releases (quarantine.read); null where not readable. */
  overdue: { tasks: number | null; releases: number | null };
}
