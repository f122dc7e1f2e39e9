import type { PersonDto } from '../../../common/geo.js';
import { http } from '../../app/http.js';
import type { PersonListQuery, RevealField } from '../../../server/modules/population/population.schemas.js';

export type Person = PersonDto;

// The shapes are the server's schemas (type-only imports: no server code reaches the bundle).
/** Name fragment, or a full ID / mobile number with a purpose (journaled); `vulnerable: 'true'` for any flag. */
export type PersonQuery = PersonListQuery;
export type { RevealField };

export const personsApi = {
  list: (q: PersonQuery, signal?: AbortSignal) => http.get<{ items: Person[]; total: number }>('/api/persons', { ...q }, signal),
  /** The full value (needs person.reveal and a reason; journaled, never the value itself). */
  reveal: (id: string, field: RevealField, reason: string) => http.post<{ value: string }>(`/api/persons/${encodeURIComponent(id)}/reveal`, { field, reason }),
};
