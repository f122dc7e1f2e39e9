import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { http } from './http.js';
import { invalidateForTopic, queryClient } from './query.js';

/** A fetch that answers every GET with its own URL and counts the requests per URL. */
function stubFetch() {
  const calls: string[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn((url: string, init?: RequestInit) => {
      calls.push(`${init?.method ?? 'GET'} ${url}`);
      return Promise.resolve(new Response(JSON.stringify({ url }), { status: 200 }));
    }),
  );
  return calls;
}

beforeEach(() => queryClient.clear());
afterEach(() => {
  vi.unstubAllGlobals();
  queryClient.clear();
});

describe('the web query cache (issue 15)', () => {
  it('sends one request for the same URL asked by many components at once', async () => {
    const calls = stubFetch();
    const answers = await Promise.all(Array.from({ length: 50 }, () => http.get<{ url: string }>('/api/geo/jurisdictions/j1')));
    expect(calls).toEqual(['GET /api/geo/jurisdictions/j1']);
    expect(new Set(answers.map((a) => a.url))).toEqual(new Set(['/api/geo/jurisdictions/j1']));
  });

  it('keys by parameters: another query is another request', async () => {
    const calls = stubFetch();
    await Promise.all([http.get('/api/tasks', { box: 'mine' }), http.get('/api/tasks', { box: 'unit' }), http.get('/api/tasks', { box: 'mine' })]);
    expect(calls.sort()).toEqual(['GET /api/tasks?box=mine', 'GET /api/tasks?box=unit']);
  });

  it('reads again after any write', async () => {
    const calls = stubFetch();
    await http.get('/api/tasks');
    await http.get('/api/tasks');
    expect(calls).toEqual(['GET /api/tasks']);
    await http.post('/api/tasks', { title: 'x' });
    await http.get('/api/tasks');
    expect(calls).toEqual(['GET /api/tasks', 'POST /api/tasks', 'GET /api/tasks']);
  });

  it('reads again the paths a live event changes, and only those', async () => {
    const calls = stubFetch();
    await http.get('/api/quarantine/facilities');
    await http.get('/api/tasks');
    invalidateForTopic('quarantine.occupancy');
    await http.get('/api/quarantine/facilities');
    await http.get('/api/tasks');
    expect(calls).toEqual(['GET /api/quarantine/facilities', 'GET /api/tasks', 'GET /api/quarantine/facilities']);
  });

  it('lets a caller stop waiting without aborting the request others share', async () => {
    const calls = stubFetch();
    const ctrl = new AbortController();
    const mine = http.get('/api/cases', undefined, ctrl.signal);
    const theirs = http.get<{ url: string }>('/api/cases');
    ctrl.abort();
    await expect(mine).rejects.toMatchObject({ name: 'AbortError' });
    await expect(theirs).resolves.toEqual({ url: '/api/cases' });
    expect(calls).toEqual(['GET /api/cases']);
  });
});
