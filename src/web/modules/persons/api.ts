import type { PersonDto } from '../../../common/geo.js';
import { http } from '../../app/http.js';

export type Person = PersonDto;

export interface PersonQuery {
  jurisdictionId?: string;
  /** Name fragment, or a full ID / mobile number (matched exactly on the server). */
  q?: string;
  /** Why a full ID or mobile number is searched (required for those; journaled). */
  purpose?: string;
  /** `true`: anyone with a vulnerability flag. */
  vulnerable?: 'true';
  page?: number;
  pageSize?: number;
}

export type RevealField = 'idNumber' | 'phone' | 'birthDate';

export const personsApi = {
  list: (q: PersonQuery, signal?: AbortSignal) => http.get<{ items: Person[]; total: number }>('/api/persons', { ...q }, signal),
  /** The full value (needs person.reveal and a reason; journaled, never the value itself). */
  reveal: (id: string, field: RevealField, reason: string) => http.post<{ value: string }>(`/api/persons/${encodeURIComponent(id)}/reveal`, { field, reason }),
};
