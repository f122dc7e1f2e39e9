import type { PopulationInputs } from './population.types.js';
import { flag } from '../../db/row-values.js';
import { inTx, type DbOrTx, type Tx } from '../../db/dialect.js';
import { inScope, type Actor } from '../../platform/actor.js';
import type { AppError } from '../../platform/errors.js';
import { requireReason } from '../../platform/reason.js';
import { PopulationErrors } from './population.errors.js';
import { PERSON_CAPS, type PopulationBase } from './population.shared.js';
import { checkResidentCode, deriveResidentCodeKeys, newResidentCodeToken, signResidentCode } from './resident-code.js';
import * as repo from './population.repository.js';
import type { IssuedResidentCode } from './population.types.js';
import { residentCodeSheet } from './print.js';

/**
 * How long a resident code is valid (local parameter: no protocol text gives it), and how close to
 * its expiry an existing code is replaced by a fresh one when the code is asked for again.
 */
export const RESIDENT_CODE_TTL_MS = 180 * 86_400_000;
export const RESIDENT_CODE_RENEW_MS = 14 * 86_400_000;

/** Resident codes (居民码): issue, reissue, offline verification, resolution and the printed sheet. */
export function createResidentCodeService(deps: PopulationInputs<'db' | 'clock' | 'config', 'journal'>, base: PopulationBase) {
  const { geo, addressTexts, requireCap, visiblePerson } = base;
  const codeKeys = deriveResidentCodeKeys(deps.config.sessionKey);

  /**
   * The active resident code of each person, issuing one (in the caller's transaction) where none
   * is left or it expires within RESIDENT_CODE_RENEW_MS.
   */
  async function currentCodes(tx: Tx, personIds: readonly string[]): Promise<Map<string, IssuedResidentCode>> {
    const now = deps.clock.now();
    const active = await repo.activeResidentCodes(tx, personIds, now + RESIDENT_CODE_RENEW_MS);
    const fresh: repo.ResidentCodeRow[] = [];
    for (const id of new Set(personIds))
      if (!active.has(id))
        fresh.push({ token: newResidentCodeToken(), person_id: id, issued_at: now, expires_at: now + RESIDENT_CODE_TTL_MS, revoked_at: null });
    await repo.insertResidentCodes(tx, fresh);
    for (const r of fresh) active.set(r.person_id, r);
    const out = new Map<string, IssuedResidentCode>();
    for (const [id, r] of active)
      out.set(id, {
        payload: signResidentCode(codeKeys, r.token, Number(r.expires_at)),
        personId: id,
        issuedAt: Number(r.issued_at),
        expiresAt: Number(r.expires_at),
      });
    return out;
  }

  function verifyCode(payload: string): { token: string; expiresAt: number } {
    const c = checkResidentCode(codeKeys.publicKey, payload, deps.clock.now());
    if (!c.ok) throw PopulationErrors.RESIDENT_CODE_INVALID({ problem: c.problem });
    return { token: c.token, expiresAt: c.expiresAt };
  }

  return {
    /**
     * The public key that verifies resident codes offline (served at GET /api/public/resident-code-key):
     * the raw Ed25519 key (base64url) and the same key as SPKI PEM.
     */
    residentCodeKey(): { algorithm: 'Ed25519'; publicKey: string; publicKeyPem: string; format: string } {
      return {
        algorithm: 'Ed25519',
        publicKey: codeKeys.publicKeyRaw,
        publicKeyPem: codeKeys.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
        format:
          'BW2.<token>.<expiresAt base36, epoch ms>.<Ed25519 signature of the first three parts, base64url>; the token is opaque (resolved online), refuse the code once expiresAt has passed',
      };
    },

    /**
     * The signing key as PKCS#8 PEM, for this process's own bulk verifiers only (never served).
     * Ed25519 signatures are deterministic, so a code this deployment issued is byte-identical to
     * re-signing its text: re-signing (~35 µs of CPU) confirms a genuine code about three times
     * faster than `verify` (~110 µs). Anything that does not match must still be checked with
     * `verify` (or `verifyResidentCode`), which stays the authority.
     */
    residentCodeSigningKeyPem(): string {
      return codeKeys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    },

    /**
     * The resident code (居民码) of a person inside the actor's scope (needs `person.read`): the
     * active one, or a new one when there is none or it expires within RESIDENT_CODE_RENEW_MS.
     * Asking again does not revoke anything (printed codes stay valid); `reissueResidentCode` does.
     * Out-of-scope or missing persons are PERSON_NOT_FOUND; a merged record's code is the kept one's.
     */
    async issueResidentCode(actor: Actor, personId: string, db: DbOrTx = deps.db): Promise<IssuedResidentCode> {
      requireCap(actor, PERSON_CAPS.read);
      let r = await visiblePerson(db, actor, personId);
      if (r.merged_into) r = await visiblePerson(db, actor, r.merged_into);
      const id = r.id;
      return inTx(db, async (tx) => (await currentCodes(tx, [id])).get(id)!);
    },

    /**
     * Replaces a person's resident code (a lost or leaked code): revokes every earlier code and
     * issues a new one. Needs `person.manage` and a reason; journaled (never the token).
     */
    async reissueResidentCode(trx: Tx | undefined, actor: Actor, personId: string, reason: string): Promise<IssuedResidentCode> {
      requireCap(actor, PERSON_CAPS.manage);
      const why = requireReason(reason);
      return inTx(trx ?? deps.db, async (tx) => {
        let r = await visiblePerson(tx, actor, personId);
        if (r.merged_into) r = await visiblePerson(tx, actor, r.merged_into);
        const now = deps.clock.now();
        const revoked = await repo.revokeResidentCodes(tx, r.id, now);
        const code = (await currentCodes(tx, [r.id])).get(r.id)!;
        await deps.services.journal.append(tx, actor, {
          action: 'population.resident_code.reissue',
          entityType: 'person',
          entityId: r.id,
          jurisdictionPath: r.jurisdiction_path,
          payload: { revoked, expiresAt: code.expiresAt },
          reason: why,
        });
        return code;
      });
    },

    /**
     * Checks a scanned resident code by its signature and expiry alone (no database: the check a
     * scanner can do offline). Returns the token and expiry, or throws 422 RESIDENT_CODE_INVALID
     * (`details.problem`: malformed | signature | expired). Use `resolveResidentCodes` for whose it is.
     */
    verifyResidentCode: verifyCode,

    /**
     * Whose codes these tokens are (one keyed read per 500): the person id, or the AppError the code
     * fails with (RESIDENT_CODE_INVALID, `problem`: unknown | revoked | expired). No scope check:
     * the caller looks the person up in its own scope before acting on the id (the person may also
     * have been merged since).
     */
    async resolveResidentCodes(tokens: readonly string[], db: DbOrTx = deps.db): Promise<Map<string, string | AppError>> {
      const now = deps.clock.now();
      const rows = new Map((await repo.residentCodesByToken(db, [...new Set(tokens)])).map((r) => [r.token, r]));
      const out = new Map<string, string | AppError>();
      for (const t of tokens) {
        const r = rows.get(t);
        const problem = !r ? 'unknown' : r.revoked_at !== null ? 'revoked' : Number(r.expires_at) <= now ? 'expired' : null;
        out.set(t, problem ? PopulationErrors.RESIDENT_CODE_INVALID({ problem }) : r!.person_id);
      }
      return out;
    },

    /** A scanned code's person: signature, expiry and revocation checked (422 RESIDENT_CODE_INVALID otherwise). */
    async resolveResidentCode(payload: string, db: DbOrTx = deps.db): Promise<{ personId: string; expiresAt: number }> {
      const { token, expiresAt } = verifyCode(payload);
      const now = deps.clock.now();
      const [row] = await repo.residentCodesByToken(db, [token]);
      const problem = !row ? 'unknown' : row.revoked_at !== null ? 'revoked' : Number(row.expires_at) <= now ? 'expired' : null;
      if (problem) throw PopulationErrors.RESIDENT_CODE_INVALID({ problem });
      return { personId: row!.person_id, expiresAt };
    },

    /**
     * A printable HTML sheet of resident codes for one building (QR codes as inline SVG, masked
     * names, room numbers). Needs `person.read`; the print is journaled (who printed which building).
     */
    async residentCodeSheet(actor: Actor, buildingId: string): Promise<string> {
      requireCap(actor, PERSON_CAPS.read);
      const building = await geo().getById(buildingId);
      if (!building || building.level !== 'building' || !inScope(actor, building.path)) throw PopulationErrors.BUILDING_NOT_FOUND({ id: buildingId });
      const rows = await repo.personsOfBuilding(deps.db, building.id, 5000);
      const visible = rows.filter((r) => inScope(actor, r.jurisdiction_path));
      const issuedAt = deps.clock.now();
      // Each person's active code (printing does not revoke codes already handed out).
      const codes = await inTx(deps.db, (tx) =>
        currentCodes(
          tx,
          visible.map((r) => r.id),
        ),
      );
      const entries = visible.map((r) => ({
        name: r.name,
        room: r.room,
        resident: flag(r.resident),
        path: r.jurisdiction_path,
        payload: codes.get(r.id)!.payload,
      }));
      const texts = await addressTexts(deps.db, [building.path, ...new Set(visible.map((r) => r.jurisdiction_path))]);
      await inTx(deps.db, (tx) =>
        deps.services.journal.append(tx, actor, {
          action: 'population.resident_code.print',
          entityType: 'jurisdiction',
          entityId: building.id,
          jurisdictionPath: building.path,
          payload: { buildingId: building.id, persons: entries.length },
        }),
      );
      return await residentCodeSheet({
        title: texts.get(building.path) ?? building.name,
        issuedAt,
        tz: deps.config.tz,
        entries,
        placeText: (p) => texts.get(p) ?? '',
      });
    },
  };
}
