import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** The validated, frozen runtime configuration. Parsed once from the environment. */
export interface Config {
  /** `sqlite` for a file path or `:memory:`, `postgres` for a postgres:// URL. */
  dbKind: 'sqlite' | 'postgres';
  /** SQLite file path, `:memory:`, or a PostgreSQL connection URL. */
  db: string;
  /** PostgreSQL schema to use (tests isolate themselves in their own schema). */
  pgSchema?: string;
  port: number;
  host: string;
  /** IANA time zone in which calendar days (quarantine days, lifting days) are counted. */
  tz: string;
  /** Folder that holds generated secrets and the default SQLite file. */
  dataDir: string;
  /** 32-byte key signing sessions and resident codes. */
  sessionKey: Buffer;
  /** 32-byte AES-256-GCM key for personal data at rest. */
  dataKey: Buffer;
  /** Maximum request body in bytes; larger bodies get 413. */
  bodyLimit: number;
  /** Session idle expiry in ms. */
  sessionIdleMs: number;
  /** Session absolute expiry in ms. */
  sessionAbsoluteMs: number;
  /** pino log level. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Folder with the built web app (served at /). */
  webDir: string;
  /** Concurrent requests allowed before new ones are shed with 503. */
  maxInFlight: number;
  /** Event-loop lag (how much of a 10 ms timer's lateness the loop spent working, two ticks in a row, or the CPU of the turn in progress; ms) past which new requests are shed with 503. */
  maxLagMs: number;
  /**
   * Fastify trustProxy: false (default), true, a hop count, or a comma list of proxy addresses/CIDRs.
   * Needed behind a reverse proxy so rate limits see client addresses and cookies get `Secure`.
   * A hop count N trusts the N nearest hops (`fastifyTrustProxy`): with one proxy in front, `1`.
   */
  trustProxy: boolean | number | string;
  /** Whether background job runner and SSE pollers start with the server. */
  runJobs: boolean;
  /**
   * What the deployment is: `production` (the default), `demo` or `drill`. The movable domain clock
   * (`bulwark clock`, POST /api/system/clock) exists only in a demo or a drill.
   */
  mode: 'production' | 'demo' | 'drill';
  /**
   * Ed25519 private key (PKCS#8 DER) that signs the journal's heads. Never stored in the database:
   * from BULWARK_JOURNAL_KEY (64 hex characters, the 32-byte seed) or `journal-signing.key` in the data folder.
   */
  journalKey: Buffer;
  /** Append-only file of signed journal heads (one JCS JSON line each); null keeps them in the database only (tests). */
  journalHeadsFile: string | null;
  /** Sign the journal head after this many new entries, or at the signing job's next minute. */
  journalSignEvery: number;
  /** Open live streams allowed per user (each process) and per session. */
  sseMaxPerUser: number;
  sseMaxPerSession: number;
  /**
   * An optional base map: the absolute path of a PMTiles v3 file (vector or raster tiles) that Bulwark
   * serves itself at /api/geo/basemap.pmtiles (HTTP Range), for networks with no way out. null: maps
   * draw the jurisdictions on a plain background, and the web asks for no tiles.
   */
  basemapPmtiles: string | null;
  /**
   * The telephone number the public result lookup gives a resident whom staff will contact (a
   * positive recheck): the city's epidemic hotline. A local parameter: the default 12345 is the
   * government service hotline; a deployment names its own.
   */
  publicHotline: string;
}

const hexKey = z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters (32 bytes)');

const envSchema = z.object({
  BULWARK_DB: z
    .string()
    .min(1)
    .refine((v) => !/^[a-z]+:\/\//.test(v) || /^postgres(ql)?:\/\//.test(v), 'must be a file path, :memory: or a postgres:// URL')
    .default('./data/bulwark.db'),
  BULWARK_PG_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, 'must be a lower-case SQL identifier')
    .optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  BULWARK_TZ: z
    .string()
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone such as Asia/Shanghai')
    .default('Asia/Shanghai'),
  BULWARK_DATA_DIR: z.string().min(1).optional(),
  BULWARK_SESSION_KEY: hexKey.optional(),
  BULWARK_DATA_KEY: hexKey.optional(),
  BULWARK_BODY_LIMIT: z.coerce
    .number()
    .int()
    .min(1024)
    .default(10 * 1024 * 1024),
  BULWARK_SESSION_IDLE_MIN: z.coerce.number().int().min(1).default(120),
  BULWARK_SESSION_ABSOLUTE_HOURS: z.coerce.number().int().min(1).default(12),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BULWARK_WEB_DIR: z.string().min(1).default('./dist/web'),
  // Shedding defaults (issue 14: 2,000 and 1,000 ms never fired; p99 reached 3.7 s at 2,500 clients).
  // One process answers roughly 700–1,700 short requests/s (docs/benchmarks.md), so by Little's law
  // 256 admitted requests wait about 0.15–0.4 s; past that the excess gets 503 + Retry-After. A loop
  // late by 200 ms tick after tick already answers everyone late. Local parameters, not from a text.
  BULWARK_MAX_IN_FLIGHT: z.coerce.number().int().min(1).default(256),
  BULWARK_MAX_LAG_MS: z.coerce.number().int().min(10).default(200),
  BULWARK_MODE: z.enum(['production', 'demo', 'drill']).default('production'),
  BULWARK_JOURNAL_KEY: hexKey.optional(),
  BULWARK_JOURNAL_HEADS: z.string().min(1).optional(),
  BULWARK_JOURNAL_SIGN_EVERY: z.coerce.number().int().min(1).default(1000),
  BULWARK_SSE_PER_USER: z.coerce.number().int().min(1).default(12),
  BULWARK_SSE_PER_SESSION: z.coerce.number().int().min(1).default(6),
  BULWARK_BASEMAP_PMTILES: z
    .string()
    .min(1)
    .refine((v) => isPmtilesV3(path.resolve(v)), 'must name a readable PMTiles v3 file')
    .optional(),
  BULWARK_PUBLIC_HOTLINE: z
    .string()
    .regex(/^[0-9+\-() ]{3,30}$/, 'must be a telephone number (digits, spaces, + - and parentheses)')
    .default('12345'),
  BULWARK_TRUST_PROXY: z
    .string()
    .regex(/^(true|false|\d+|[0-9a-fA-F.:/,\s]+)$/, 'must be true, false, a hop count or a comma list of addresses')
    .default('false'),
});

export class ConfigError extends Error {
  constructor(public readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment once into a frozen Config. Every bad variable is reported in one error.
 * Secrets not given are generated into the data folder on first start and reused afterwards.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Readonly<Config> {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const dbKind = /^postgres(ql)?:\/\//.test(e.BULWARK_DB) ? 'postgres' : 'sqlite';
  const dataDir = path.resolve(e.BULWARK_DATA_DIR ?? (dbKind === 'sqlite' && e.BULWARK_DB !== ':memory:' ? path.dirname(e.BULWARK_DB) : './data'));
  const needsFiles = !(e.BULWARK_SESSION_KEY && e.BULWARK_DATA_KEY) && !overrides.sessionKey;
  const config: Config = {
    dbKind,
    db: e.BULWARK_DB,
    pgSchema: e.BULWARK_PG_SCHEMA,
    port: e.PORT,
    host: e.HOST,
    tz: e.BULWARK_TZ,
    dataDir,
    sessionKey: e.BULWARK_SESSION_KEY ? Buffer.from(e.BULWARK_SESSION_KEY, 'hex') : needsFiles ? secretFile(dataDir, 'session.key') : randomBytes(32),
    dataKey: e.BULWARK_DATA_KEY ? Buffer.from(e.BULWARK_DATA_KEY, 'hex') : needsFiles ? secretFile(dataDir, 'data.key') : randomBytes(32),
    bodyLimit: e.BULWARK_BODY_LIMIT,
    sessionIdleMs: e.BULWARK_SESSION_IDLE_MIN * 60_000,
    sessionAbsoluteMs: e.BULWARK_SESSION_ABSOLUTE_HOURS * 3_600_000,
    logLevel: e.LOG_LEVEL,
    webDir: path.resolve(e.BULWARK_WEB_DIR),
    maxInFlight: e.BULWARK_MAX_IN_FLIGHT,
    maxLagMs: e.BULWARK_MAX_LAG_MS,
    trustProxy: parseTrustProxy(e.BULWARK_TRUST_PROXY),
    runJobs: true,
    mode: e.BULWARK_MODE,
    journalKey: ed25519Seed(
      e.BULWARK_JOURNAL_KEY ? Buffer.from(e.BULWARK_JOURNAL_KEY, 'hex') : overrides.journalKey ? undefined : secretFile(dataDir, 'journal-signing.key'),
    ),
    journalHeadsFile: path.resolve(e.BULWARK_JOURNAL_HEADS ?? path.join(dataDir, 'journal-heads.jsonl')),
    journalSignEvery: e.BULWARK_JOURNAL_SIGN_EVERY,
    sseMaxPerUser: e.BULWARK_SSE_PER_USER,
    sseMaxPerSession: e.BULWARK_SSE_PER_SESSION,
    basemapPmtiles: e.BULWARK_BASEMAP_PMTILES ? path.resolve(e.BULWARK_BASEMAP_PMTILES) : null,
    publicHotline: e.BULWARK_PUBLIC_HOTLINE,
    ...overrides,
  };
  if (config.dbKind === 'sqlite' && config.db !== ':memory:') privateDbFile(config.db);
  return Object.freeze(config);
}

/**
 * Creates the SQLite file readable by the owner only (0600), or narrows an existing one. SQLite's
 * unix VFS gives the -wal, -shm and -journal files the main file's permissions, so they follow.
 */
export function privateDbFile(file: string): void {
  const abs = path.resolve(file);
  mkdirSync(path.dirname(abs), { recursive: true, mode: 0o700 });
  if (!existsSync(abs)) closeSync(openSync(abs, 'a', 0o600));
  for (const f of [abs, `${abs}-wal`, `${abs}-shm`, `${abs}-journal`]) {
    if (existsSync(f) && (statSync(f).mode & 0o077) !== 0) chmodSync(f, 0o600);
  }
}

/** A config for tests: in-memory SQLite (or the given db), fixed keys, no files written, quiet logs. */
export function testConfig(overrides: Partial<Config> = {}): Readonly<Config> {
  return Object.freeze({
    dbKind: 'sqlite',
    db: ':memory:',
    port: 0,
    host: '127.0.0.1',
    tz: 'Asia/Shanghai',
    dataDir: path.resolve('./data/test'),
    sessionKey: Buffer.alloc(32, 7),
    dataKey: Buffer.alloc(32, 9),
    bodyLimit: 1024 * 1024,
    sessionIdleMs: 120 * 60_000,
    sessionAbsoluteMs: 12 * 3_600_000,
    logLevel: 'silent',
    webDir: path.resolve('./dist/web'),
    maxInFlight: 2000,
    // A test's own requests are never shed because the machine running the suite is busy (two
    // vitest workers plus browsers on two cores); the shedding tests pass their own limits.
    maxLagMs: 30_000,
    trustProxy: false,
    runJobs: false,
    // Tests move the domain clock, so the test deployment is a drill.
    mode: 'drill',
    journalKey: ed25519Seed(Buffer.alloc(32, 11)),
    journalHeadsFile: null,
    journalSignEvery: 1000,
    sseMaxPerUser: 12,
    sseMaxPerSession: 6,
    basemapPmtiles: null,
    publicHotline: '12345',
    ...overrides,
  } satisfies Config);
}

/** Whether a file starts with the PMTiles v3 magic ("PMTiles" and version byte 3). */
function isPmtilesV3(file: string): boolean {
  try {
    const fd = openSync(file, 'r');
    try {
      const head = Buffer.alloc(8);
      return readSync(fd, head, 0, 8, 0) === 8 && head.subarray(0, 7).toString('latin1') === 'PMTiles' && head[7] === 3;
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

/** Reads a 32-byte hex secret from the data folder, creating it (mode 0600) when missing. */
function secretFile(dir: string, name: string): Buffer {
  const file = path.join(dir, name);
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
  mkdirSync(dir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('hex') + '\n', { mode: 0o600 });
  return key;
}

/** PKCS#8 DER of the Ed25519 private key with this 32-byte seed (RFC 8410 prefix + seed). */
function ed25519Seed(seed: Buffer | undefined): Buffer {
  if (!seed) return Buffer.alloc(0); // replaced by the override
  return Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
}

export function parseTrustProxy(v: string): boolean | number | string {
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (/^\d+$/.test(v)) return Number(v);
  return v;
}

/**
 * The `trustProxy` option Fastify gets for `config.trustProxy`. A hop count N becomes "trust the
 * nearest N addresses" (the socket's peer is hop 0: `1` takes the client address from the last
 * X-Forwarded-For entry, the one the trusted proxy appended). Fastify 5.12 itself treats a bare
 * number as "trust nobody" (it cannot check the peer), so `BULWARK_TRUST_PROXY=1` used to leave
 * every client at the proxy's address (issue 14): one shared per-address rate limit for everyone.
 */
export function fastifyTrustProxy(v: boolean | number | string): boolean | string | ((addr: string, hop: number) => boolean) {
  if (typeof v !== 'number') return v;
  return (_addr, hop) => hop < v;
}
