import { useRemote } from '../../app/use-remote.js';
import { unitsApi, usersApi, type UnitQuery, type UserQuery } from './api.js';

export function useUsers(q: UserQuery) {
  return useRemote((signal) => usersApi.list(q, signal), [q.q, q.unitId, q.active, q.limit, q.offset]);
}

export function useUnits(q: UnitQuery) {
  return useRemote((signal) => unitsApi.list(q, signal), [q.q, q.kind, q.jurisdictionId, q.active, q.limit, q.offset]);
}
