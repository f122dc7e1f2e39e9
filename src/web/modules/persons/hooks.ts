import { useRemote } from '../../app/use-remote.js';
import { personsApi, type PersonQuery } from './api.js';

export function usePersons(q: PersonQuery) {
  return useRemote((signal) => personsApi.list(q, signal), [q.jurisdictionId, q.q, q.purpose, q.vulnerable, q.page, q.pageSize]);
}
