import { useI18n } from './i18n.js';

/** Who did something, as a record keeps it: a user (id and login or name) or a component of the system (no id). */
interface ActorRefLike {
  id: string | null;
  name: string;
}

/**
 * The name to show for an actor: a user's name, or 系统 for the system, whose component name (demo,
 * testing, zoning.lifting) is an internal identifier and never shown.
 */
export function useActorName(): (actor: ActorRefLike | null | undefined) => string {
  const { t } = useI18n();
  return (actor) => (!actor ? '—' : actor.id === null || !actor.name ? t('common.system') : actor.name);
}
