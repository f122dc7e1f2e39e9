/**
 * The demo city's real data: 宜昌市's 13 county-level divisions with their real outlines, their
 * 113 streets/towns/townships and 1,650 communities/villages with 12-digit statistical codes
 * (geo-data/, extracted by scripts/extract-city-divisions.ts; licences in geo-data/LICENSES.md),
 * the population weights (geo-data/yichang-population.json, sources inside), and the demo's
 * 宜昌高新区, a development zone with a local code whose streets and communities are synthetic.
 */
import { readFileSync } from 'node:fs';
import type { Pt, Ring } from '../modules/geo/geometry.js';
import { Rng } from './rng.js';

export type DistrictKind = 'district' | 'county' | 'county_city' | 'zone';
export type StreetKind = 'street' | 'town' | 'township' | 'special';

export interface CommunitySpec {
  code: string;
  name: string;
  kind: 'community' | 'village';
}

export interface StreetSpec {
  code: string;
  name: string;
  kind: StreetKind;
  communities: CommunitySpec[];
}

export interface DistrictSpec {
  code: string;
  name: string;
  kind: DistrictKind;
  /** The code is not a GB/T 2260 / statistical code (宜昌高新区 420571): shown as 本地编码 / local code. */
  localCode: boolean;
  /**
   * The GB/T 2260 county code the residents' ID numbers carry. A development zone registers no
   * households of its own: its residents' numbers carry the county its land lies in.
   */
  idRegion: string;
  /** Relative population (10,000 persons; see geo-data/yichang-population.json). */
  weight: number;
  /** The real outline (open ring, counter-clockwise); the zone's is carved in layout. */
  ring: Ring;
  streets: StreetSpec[];
}

const dir = new URL('./geo-data/', import.meta.url);
const readJson = <T>(name: string): T => JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as T;

interface DivisionsFile {
  city: string;
  counties: { code: string; name: string; kind: DistrictKind }[];
  streets: [string, string, StreetKind][];
  communities: [string, string, 'community' | 'village'][];
}
interface PopulationFile {
  total2020Census: number;
  counties: Record<string, number>;
  zone: { code: string; name: string; shareOfCity: number; takenFrom: string };
}
interface OutlineFile {
  features: { properties: { code: string; name: string; level: string }; geometry: { coordinates: Pt[][] } }[];
}

/** The outer ring of a closed GeoJSON ring, opened. */
const open = (r: Pt[]): Ring => r.slice(0, -1).map((p) => [p[0], p[1]] as Pt);

/**
 * 宜昌高新区 (420571). Not a GB/T 2260 code: a development zone administering land inside real
 * counties. In the demo its land is carved out of 夷陵区 next to the city centre (around the
 * seed below, where its 东山 park lies between 西陵区 and 夷陵区), so its residents' ID numbers
 * carry 夷陵区's code 420506: household registration (and with it the ID's address code) stays
 * with the county; a zone never issues numbers of its own.
 */
export const ZONE_CODE = '420571';
export const ZONE_ID_REGION = '420506';
/** Where the zone is carved out of 夷陵区 (a point inside 夷陵区's real outline). */
export const ZONE_SEED: Pt = [111.38, 30.74];

/** Synthetic streets and communities of the zone (the statistical data has none): stable names, local codes. */
function zoneStreets(): StreetSpec[] {
  const rng = new Rng('bulwark-yichang-zone-names');
  const A = ['东山', '发展', '科创', '光谷', '白洋', '生物', '电子', '智造', '港城', '金桥'];
  const B = ['园', '湾', '城', '谷', '苑', '里'];
  const used = new Set<string>();
  const name = () => {
    for (;;) {
      const n = rng.pick(A) + rng.pick(B);
      if (!used.has(n)) {
        used.add(n);
        return n;
      }
    }
  };
  return [1, 2].map((s) => {
    const code9 = `${ZONE_CODE}${String(s).padStart(3, '0')}`;
    return {
      code: `${code9}000`,
      name: `${name()}街道`,
      kind: 'street' as const,
      communities: Array.from({ length: 6 }, (_, i) => ({
        code: `${code9}${String(i + 1).padStart(3, '0')}`,
        name: `${name()}社区`,
        kind: 'community' as const,
      })),
    };
  });
}

let cached: { city: { code: string; name: string; ring: Ring; centre: Pt }; districts: DistrictSpec[]; total2020Census: number } | undefined;

/** The city and its districts (13 real counties by code, then the zone), loaded once. */
export function yichang() {
  if (cached) return cached;
  const divisions = readJson<DivisionsFile>('yichang-divisions.json');
  const population = readJson<PopulationFile>('yichang-population.json');
  const outlines = readJson<OutlineFile>('yichang-counties.geojson');
  const ringOf = new Map(outlines.features.map((f) => [f.properties.code, open(f.geometry.coordinates[0])]));
  const communitiesOf = new Map<string, CommunitySpec[]>();
  for (const [code, name, kind] of divisions.communities) {
    const street = `${code.slice(0, 9)}000`;
    communitiesOf.set(street, [...(communitiesOf.get(street) ?? []), { code, name, kind }]);
  }
  const streetsOf = new Map<string, StreetSpec[]>();
  for (const [code, name, kind] of divisions.streets) {
    const county = code.slice(0, 6);
    streetsOf.set(county, [...(streetsOf.get(county) ?? []), { code, name, kind, communities: communitiesOf.get(code) ?? [] }]);
  }
  const totalWeight = Object.values(population.counties).reduce((s, w) => s + w, 0);
  const zoneWeight = totalWeight * population.zone.shareOfCity;
  const districts: DistrictSpec[] = divisions.counties.map((c) => ({
    code: c.code,
    name: c.name,
    kind: c.kind,
    localCode: false,
    idRegion: c.code,
    weight: population.counties[c.code] - (c.code === population.zone.takenFrom ? zoneWeight : 0),
    ring: ringOf.get(c.code)!,
    streets: streetsOf.get(c.code) ?? [],
  }));
  for (const d of districts) if (!d.ring || !(d.weight > 0)) throw new Error(`demo data: ${d.code} ${d.name} lacks an outline or a population weight`);
  const yiling = districts.find((d) => d.code === population.zone.takenFrom)!;
  districts.push({
    code: ZONE_CODE,
    name: population.zone.name,
    kind: 'zone',
    localCode: true,
    idRegion: ZONE_ID_REGION,
    weight: zoneWeight,
    ring: yiling.ring,
    streets: zoneStreets(),
  });
  const cityRing = ringOf.get(divisions.city)!;
  cached = { city: { code: divisions.city, name: '宜昌市', ring: cityRing, centre: [111.29, 30.7] }, districts, total2020Census: population.total2020Census };
  return cached;
}
