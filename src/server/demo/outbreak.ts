import type { Deps } from '../deps.js';
import { systemActor } from '../platform/actor.js';
import { addDays, calendarDay, HOUR } from '../platform/clock.js';
import { newId } from '../platform/ids.js';
import { makeResidentId } from '../modules/population/resident-id.js';

/**
 * A small outbreak in the demo city, made through the same services people use, so every page has
 * something real to show after `npm start`:
 * a testing round in one 西陵区 street → a positive 10-in-1 pool → single-tube rechecks (one
 * positive) → a confirmed case with places and close contacts (one of them a non-resident
 * visitor) → a second case infected by the first → a central quarantine facility with rooms and
 * contacts placed in it → risk areas proposed from the cases, the first one published. Deterministic in shape; ids and times follow the demo clock.
 */
export async function seedDemoOutbreak(deps: Deps): Promise<{ cases: number; contacts: number; stays: number; areas: number }> {
  const sys = systemActor('demo');
  const { geo, population, testing, cases, quarantine } = deps.services;
  const xiling = await geo.getByCode('420502');
  if (!xiling) throw new Error('demo outbreak: 西陵区 is missing from the demo city');
  const [street] = (await geo.children(sys, xiling.id)).filter((n) => n.level === 'street');
  const compounds = await geo.subtree(sys, street.id, { level: 'compound', limit: 200 });
  // The first compound with two buildings of at least 12 residents each.
  let picked: { compound: (typeof compounds)[number]; buildings: { id: string; persons: string[] }[] } | undefined;
  for (const compound of compounds) {
    const buildings = (await geo.children(sys, compound.id)).filter((b) => b.level === 'building');
    const withPeople: { id: string; persons: string[] }[] = [];
    for (const b of buildings) {
      const { items } = await population.list(sys, { jurisdictionId: b.id, page: 1, pageSize: 30 });
      if (items.length >= 12) withPeople.push({ id: b.id, persons: items.map((p) => p.id) });
      if (withPeople.length === 2) break;
    }
    if (withPeople.length === 2) {
      picked = { compound, buildings: withPeople };
      break;
    }
  }
  if (!picked) throw new Error('demo outbreak: no compound in the first 西陵区 street has two buildings with 12 residents');
  const [b1, b2] = picked.buildings;
  const now = deps.clock.now();
  const today = calendarDay(now, deps.config.tz);

  // Mass testing: a round over the street, one site at the compound, a 10-in-1 pool.
  const campaign = await testing.campaigns.create(undefined, sys, {
    name: '西陵区全员核酸检测（演示）',
    scopeJurisdictionIds: [street.id],
    startsAt: now - 6 * HOUR,
    poolSize: 10,
  });
  await testing.campaigns.activate(undefined, sys, campaign.id);
  const centre = picked.compound.centroid ?? [111.29, 30.7];
  const site = await testing.sites.create(undefined, sys, {
    name: `${picked.compound.name}采样点`,
    kind: 'tent',
    jurisdictionId: picked.compound.id,
    location: [centre[0], centre[1]],
    lanes: 4,
    servedCompoundIds: [picked.compound.id],
  });
  const pool = `YCDEMO${String(now % 1e6).padStart(6, '0')}`;
  const tube = await testing.sampling.openTube(sys, {
    clientId: newId(),
    campaignId: campaign.id,
    siteId: site.id,
    barcode: pool,
    poolSize: 10,
    at: now - 5 * HOUR,
  });
  const pooled = b1.persons.slice(0, 10);
  for (const personId of pooled) {
    const code = await population.issueResidentCode(sys, personId);
    await testing.sampling.scan(sys, { clientId: newId(), tubeId: tube.tube!.id, residentCode: code.payload, at: now - 5 * HOUR });
  }
  await testing.sampling.flush();
  await testing.lab.receive(undefined, sys, { boxCode: `BOX-${pool}`, barcodes: [pool] });
  await testing.lab.recordOne(undefined, sys, { barcode: pool, result: 'positive', ctOrf1ab: 28, ctN: 30, lab: '宜昌市疾控中心实验室' });

  // Single-tube rechecks: the first person positive, the others negative.
  const { items: rechecks } = await testing.rechecks.list(sys, { campaignId: campaign.id, limit: 50 });
  let positive: { recheckTubeId: string; personId: string } | undefined;
  for (const [i, r] of rechecks.entries()) {
    const code = `${pool}R${String(i).padStart(2, '0')}`;
    await testing.rechecks.sample(undefined, sys, r.id, {
      clientId: newId(),
      barcode: code,
      residentCode: (await population.issueResidentCode(sys, r.personId)).payload,
    });
    await testing.lab.receive(undefined, sys, { boxCode: `BOX-${code}`, barcodes: [code] });
    const isPositive = i === 0;
    await testing.lab.recordOne(undefined, sys, {
      barcode: code,
      result: isPositive ? 'positive' : 'negative',
      ...(isPositive ? { ctOrf1ab: 24, ctN: 26 } : {}),
      lab: '宜昌市疾控中心实验室',
    });
    if (isPositive) positive = { recheckTubeId: (await testing.rechecks.get(sys, r.id)).tubeId, personId: r.personId };
  }
  if (!positive) throw new Error('demo outbreak: the positive pool made no rechecks');

  // The case, its places and its close contacts.
  const first = await cases.cases.confirmFromRecheck(undefined, sys, {
    recheckTubeId: positive.recheckTubeId,
    kind: 'confirmed',
    onsetDate: addDays(today, -1),
    reason: '单管复核阳性，诊断为确诊病例（演示）',
  });
  await cases.tracing.addPlace(undefined, sys, first.id, { jurisdictionId: b1.id, description: '住所', fromAt: now - 4 * 24 * HOUR, toAt: now });
  await cases.tracing.addPlace(undefined, sys, first.id, {
    jurisdictionId: b2.id,
    description: '探访亲友',
    fromAt: now - 2 * 24 * HOUR,
    toAt: now - 2 * 24 * HOUR + 2 * HOUR,
  });
  const contactIds: { contactId: string; personId: string }[] = [];
  const relations = ['同住家属', '同楼邻居', '同事', '同桌用餐'];
  for (const [i, personId] of b1.persons.slice(10, 14).entries()) {
    const c = await cases.tracing.addContact(undefined, sys, first.id, {
      category: 'close',
      exposureDate: addDays(today, -1),
      exposurePlace: picked.compound.name,
      relation: relations[i],
      personId,
    });
    contactIds.push({ contactId: c.id, personId });
  }
  const visitor = await cases.tracing.addContact(undefined, sys, first.id, {
    category: 'close',
    exposureDate: addDays(today, -2),
    exposurePlace: `${picked.compound.name}（探访）`,
    relation: '外地来访亲属',
    newPerson: {
      name: '黎晓梅',
      idType: 'resident_id',
      idNumber: makeResidentId('430102', '1992-03-15', 432, 'female'),
      birthDate: '1992-03-15',
      sex: 'female',
      phone: '13907310000',
      jurisdictionId: b2.id,
      regionOfOrigin: '湖南省长沙市',
    },
  });
  if (visitor.personId) contactIds.push({ contactId: visitor.id, personId: visitor.personId });

  // A second case: a neighbour in the other building, infected by the first.
  const second = await cases.cases.create(undefined, sys, {
    personId: b2.persons[0],
    kind: 'asymptomatic',
    reportDate: today,
    sourceCaseId: first.id,
    clusterId: first.clusterId,
    reason: '密接排查中发现（演示）',
  });
  await cases.tracing.addPlace(undefined, sys, second.id, { jurisdictionId: b2.id, description: '住所', fromAt: now - 3 * 24 * HOUR, toAt: now });
  const neighbour = await cases.tracing.addContact(undefined, sys, second.id, {
    category: 'close',
    exposureDate: today,
    exposurePlace: picked.compound.name,
    relation: '同住家属',
    personId: b2.persons[1],
  });
  if (neighbour.personId) contactIds.push({ contactId: neighbour.id, personId: neighbour.personId });
  await cases.cases.markCoreInvestigationDone(undefined, sys, first.id);

  // Central quarantine: a hotel with rooms; the first case's contacts go in.
  const facility = await quarantine.createFacility(undefined, sys, {
    name: '西陵区集中隔离点（江城宾馆）',
    jurisdictionId: xiling.id,
    address: '西陵区东湖大道 88 号',
    lng: centre[0] + 0.01,
    lat: centre[1] + 0.005,
    staffCount: 12,
  });
  await quarantine.createRooms(
    undefined,
    sys,
    facility.id,
    Array.from({ length: 30 }, (_, i) => ({ number: `${2 + Math.floor(i / 10)}${String((i % 10) + 1).padStart(2, '0')}`, floor: 2 + Math.floor(i / 10) })),
  );
  let stays = 0;
  for (const c of contactIds.slice(0, 3)) {
    await quarantine.assign(undefined, sys, {
      personId: c.personId,
      mode: 'central',
      facilityId: facility.id,
      basis: { type: 'contact', id: c.contactId },
      reason: '密切接触者集中隔离（演示）',
      exposureDate: addDays(today, -1),
    });
    stays += 1;
  }
  // Risk areas proposed from the cases' residences and places; the first is published (its residents
  // take its measures through the status guard), the rest wait on the zoning page for review.
  const { created } = await deps.services.zoning.generateProposals(undefined, sys);
  if (created[0]) {
    const first = created[0];
    await deps.services.zoning.publish(undefined, sys, first.id, {
      note: '依据病例住址划定（演示）',
      ...(first.flagged ? { justification: '同一小区两栋楼出现病例，按方案以小区划定（演示）' } : {}),
    });
  }
  return { cases: 2, contacts: contactIds.length, stays, areas: created.length };
}
