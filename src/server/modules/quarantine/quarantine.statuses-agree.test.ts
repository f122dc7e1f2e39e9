import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDialects, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit } from '../../../../test/helpers/factories.js';
import { systemActor } from '../../platform/actor.js';
import { addDays, calendarDay } from '../../platform/clock.js';
import { makePersons } from '../control/control.test-helpers.js';

const actor = systemActor('test');

/**
 * Issue 16, "Statuses that agree with each other": a traced contact is awaiting placement (待转运) until
 * a stay with a room or at home starts; only then central or home quarantine. The control counts, the
 * stays list and the facility's occupancy then count the same people, and the contacts offered
 * "arrange quarantine" (open, not yet placed) are exactly those awaiting it.
 */
describeDialects('statuses agree: control, stays and occupancy', (dialect) => {
  let t: TestApp;
  let city: Awaited<ReturnType<typeof buildMiniCity>>;
  let facilityId: string;
  let contacts: { id: string; personId: string }[];
  let caseId: string;

  const counts = async () => (await t.deps.services.control.summary(actor, city.street.path)).counts;
  const activeStays = async () => (await t.deps.services.quarantine.listStays(actor, { status: 'active', pageSize: 200 })).items;
  /** Contacts the case page offers "arrange quarantine" to: open and not yet placed (the page's rule). */
  const offered = async () =>
    (await t.deps.services.cases.tracing.contactsOfCase(actor, caseId))
      .filter((c) => c.status === 'open' && c.quarantinedAt === null)
      .map((c) => c.personId)
      .sort();

  beforeAll(async () => {
    t = await testApp(dialect);
    city = await buildMiniCity(t.deps.db);
    const unit = await buildUnit(t.deps.db, { name: '西陵街道防控专班', jurisdiction: city.street, kind: 'street_office' });
    const f = await t.deps.services.quarantine.createFacility(undefined, actor, {
      name: '西陵区集中隔离点',
      jurisdictionId: city.street.id,
      address: '西陵一路 1 号',
      lng: 111.29,
      lat: 30.7,
      staffCount: 12,
      unitId: unit.id,
    });
    facilityId = f.id;
    await t.deps.services.quarantine.createRooms(
      undefined,
      actor,
      facilityId,
      [101, 102, 103].map((n) => ({ number: String(n), floor: 1 })),
    );
    // The case lives in the other street: a confirmed case is put in central quarantine on its case
    // basis without a stay (its hospital is not a quarantine facility), so it is kept out of the counts here.
    const [patient] = await makePersons(t, city.otherStreet, 1);
    const others = await makePersons(t, city.street, 3);
    caseId = (await t.deps.services.cases.cases.create(undefined, actor, { personId: patient!, kind: 'confirmed', reason: '确诊' })).id;
    const exposure = addDays(calendarDay(t.clock.now(), t.config.tz), -1);
    contacts = [];
    for (const p of others) {
      const c = await t.deps.services.cases.tracing.addContact(undefined, actor, caseId, { category: 'close', exposureDate: exposure, personId: p });
      contacts.push({ id: c.id, personId: p });
    }
  });
  afterAll(() => t?.close());

  it('holds traced contacts awaiting placement: nobody counted in quarantine, no stay, no bed, all offered a placement', async () => {
    const c = await counts();
    expect(c.awaiting_placement).toBe(3);
    expect(c.quarantined_central + c.quarantined_home).toBe(0);
    expect(await activeStays()).toEqual([]);
    expect((await t.deps.services.quarantine.occupancyCheck(facilityId)).counters.occupants).toBe(0);
    expect(await offered()).toEqual(contacts.map((x) => x.personId).sort());
  });

  it('moves a contact to central quarantine when a stay with a room starts, and to home quarantine when a home stay starts', async () => {
    const [a, b, rest] = contacts;
    await t.deps.services.quarantine.assign(undefined, actor, {
      personId: a!.personId,
      mode: 'central',
      facilityId,
      basis: { type: 'contact', id: a!.id },
      reason: '密接集中隔离',
    });
    await t.deps.services.quarantine.assign(undefined, actor, {
      personId: b!.personId,
      mode: 'home',
      basis: { type: 'contact', id: b!.id },
      reason: '密接居家隔离',
    });

    const c = await counts();
    const stays = await activeStays();
    const occupancy = (await t.deps.services.quarantine.occupancyCheck(facilityId)).counters;
    // The same people, counted three ways.
    expect(c.quarantined_central).toBe(1);
    expect(stays.filter((s) => s.mode === 'central').map((s) => s.personId)).toEqual([a!.personId]);
    expect(occupancy.occupants).toBe(1);
    expect(c.quarantined_home).toBe(1);
    expect(stays.filter((s) => s.mode === 'home').map((s) => s.personId)).toEqual([b!.personId]);
    expect(c.awaiting_placement).toBe(1);
    // "Arrange quarantine" is offered to exactly the one still awaiting it.
    expect(await offered()).toEqual([rest!.personId]);
  });
});
