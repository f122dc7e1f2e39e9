import { useEffect, useRef } from 'react';
import type { OccupancyDto } from '../../../server/modules/quarantine/quarantine.schemas.js';
import { useLive, useLiveEvent } from '../../app/live.js';

/** The payload of `quarantine.occupancy`: a facility's counters after a change to its rooms. */
export type OccupancyEvent = OccupancyDto & { facilityId: string };

/**
 * Calls `fn` on each occupancy change (assignment, release, room status, new rooms) while mounted,
 * through the shell's one event stream; `onReconnect` after the stream came back (re-read then).
 */
export function useOccupancyEvents(fn: (e: OccupancyEvent) => void, onReconnect?: () => void): { connected: boolean } {
  const ref = useRef({ fn, onReconnect });
  ref.current = { fn, onReconnect };
  useLiveEvent(['quarantine.occupancy'], (e) => {
    if (e.data && typeof e.data.facilityId === 'string') ref.current.fn(e.data as unknown as OccupancyEvent);
  });
  const { connected } = useLive();
  const seen = useRef({ connected: false, lost: false });
  useEffect(() => {
    const s = seen.current;
    if (connected) {
      if (s.connected && s.lost) ref.current.onReconnect?.();
      s.connected = true;
      s.lost = false;
    } else if (s.connected) s.lost = true;
  }, [connected]);
  return { connected };
}
