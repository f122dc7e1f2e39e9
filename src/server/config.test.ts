import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPmtiles } from '../../test/helpers/pmtiles.js';
import { ConfigError, loadConfig } from './config.js';

describe('config', () => {
  it('has zero-config defaults: embedded SQLite in ./data, port 8080, Asia/Shanghai', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bw-cfg-'));
    const c = loadConfig({ BULWARK_DATA_DIR: dir });
    expect(c).toMatchObject({ dbKind: 'sqlite', db: './data/bulwark.db', port: 8080, tz: 'Asia/Shanghai' });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reports every bad variable in one error', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', BULWARK_TZ: 'Mars/Olympus', BULWARK_DB: 'mysql://x', BULWARK_SESSION_KEY: 'short' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const issues = (err as ConfigError).issues.join('\n');
    expect(issues).toMatch(/PORT/);
    expect(issues).toMatch(/BULWARK_TZ/);
    expect(issues).toMatch(/BULWARK_DB/);
    expect(issues).toMatch(/BULWARK_SESSION_KEY/);
  });

  it("takes the public lookup's hotline from BULWARK_PUBLIC_HOTLINE (default 12345) and refuses one that is not a telephone number", () => {
    const keys = { BULWARK_SESSION_KEY: 'a'.repeat(64), BULWARK_DATA_KEY: 'b'.repeat(64), BULWARK_JOURNAL_KEY: 'c'.repeat(64), BULWARK_DB: ':memory:' };
    expect(loadConfig(keys).publicHotline).toBe('12345');
    expect(loadConfig({ ...keys, BULWARK_PUBLIC_HOTLINE: '0717-6612320' }).publicHotline).toBe('0717-6612320');
    expect(() => loadConfig({ ...keys, BULWARK_PUBLIC_HOTLINE: 'call us' })).toThrow(/BULWARK_PUBLIC_HOTLINE/);
  });

  it('accepts a postgres:// URL', () => {
    const c = loadConfig({ BULWARK_DB: 'postgres://u@h/db', BULWARK_SESSION_KEY: 'a'.repeat(64), BULWARK_DATA_KEY: 'b'.repeat(64) });
    expect(c.dbKind).toBe('postgres');
  });

  it('generates secrets into the data folder on first start and reuses them', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bw-cfg-'));
    const a = loadConfig({ BULWARK_DATA_DIR: dir });
    const b = loadConfig({ BULWARK_DATA_DIR: dir });
    expect(a.sessionKey.equals(b.sessionKey)).toBe(true);
    expect(a.dataKey.equals(a.sessionKey)).toBe(false);
    expect(readFileSync(path.join(dir, 'data.key'), 'utf8').trim()).toHaveLength(64);
    expect(statSync(path.join(dir, 'session.key')).mode & 0o077).toBe(0);
  });

  it('takes an optional PMTiles base map, refusing a file that is not one (none by default)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bw-cfg-'));
    const keys = { BULWARK_DATA_DIR: dir, BULWARK_SESSION_KEY: 'a'.repeat(64), BULWARK_DATA_KEY: 'b'.repeat(64), BULWARK_JOURNAL_KEY: 'c'.repeat(64) };
    expect(loadConfig(keys).basemapPmtiles).toBeNull();
    const good = path.join(dir, 'city.pmtiles');
    writeFileSync(good, buildPmtiles());
    expect(loadConfig({ ...keys, BULWARK_BASEMAP_PMTILES: good }).basemapPmtiles).toBe(good);
    const notTiles = path.join(dir, 'city.mbtiles');
    writeFileSync(notTiles, 'SQLite format 3\0');
    for (const bad of [notTiles, path.join(dir, 'missing.pmtiles')]) {
      let err: unknown;
      try {
        loadConfig({ ...keys, BULWARK_BASEMAP_PMTILES: bad });
      } catch (e) {
        err = e;
      }
      expect((err as ConfigError).issues.join('\n')).toMatch(/BULWARK_BASEMAP_PMTILES: must name a readable PMTiles v3 file/);
    }
  });
});
