import type { Kysely } from 'kysely';

// Issue 16, "Clusters named as HQs name them": a new cluster is named by the district of its first
// case and that case's report day (西陵区 12·07 疫情). Clusters named the old automatic way
// (`<masked name> 关联疫情 (YYYY-MM-DD)`, which also put a person's masked name in every list) take the
// new name; a name someone chose is left alone. The old name carried the report day, so nothing
// else is needed. Portable: one read, then an update per renamed cluster. Not journaled: a
// migration has no actor, and the journal keeps each cluster's creation with its first case.
const OLD_AUTO_NAME = /^.* 关联疫情 \((\d{4})-(\d{2})-(\d{2})\)$/;

export async function up(db: Kysely<any>): Promise<void> {
  const clusters = (await db.selectFrom('case_clusters').select(['id', 'name', 'jurisdiction_path']).where('name', 'like', '% 关联疫情 (%)').execute()) as {
    id: string;
    name: string;
    jurisdiction_path: string;
  }[];
  if (!clusters.length) return;
  const districtOf = (path: string) => {
    const [city, district] = path.split('/').filter(Boolean);
    return district ? `/${city}/${district}/` : path;
  };
  const paths = [...new Set(clusters.map((c) => districtOf(c.jurisdiction_path)))];
  const names = new Map(
    ((await db.selectFrom('jurisdictions').select(['path', 'name']).where('path', 'in', paths).execute()) as { path: string; name: string }[]).map((j) => [
      j.path,
      j.name,
    ]),
  );
  for (const c of clusters) {
    const m = OLD_AUTO_NAME.exec(c.name);
    if (!m) continue;
    const district = names.get(districtOf(c.jurisdiction_path)) ?? '';
    await db
      .updateTable('case_clusters')
      .set({ name: `${district ? `${district} ` : ''}${m[2]}·${m[3]} 疫情` })
      .where('id', '=', c.id)
      .execute();
  }
}
