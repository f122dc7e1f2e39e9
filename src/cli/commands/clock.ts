import type { Command } from 'commander';
import { createDeps } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import type { Deps } from '../../server/deps.js';
import { systemActor } from '../../server/platform/actor.js';
import { createClockOffsetService, formatDuration, parseDuration, type ClockState } from '../../server/platform/jobs/clock-offset.js';
import { CliError, EXIT } from '../exit.js';

async function withClock<T>(fn: (clock: ReturnType<typeof createClockOffsetService>, deps: Deps) => Promise<T>): Promise<T> {
  const config = loadConfig();
  if (config.mode === 'production') throw new CliError('the platform clock exists only in a demo or drill deployment (BULWARK_MODE=demo or drill)', EXIT.USAGE);
  const deps = await createDeps({ ...config, logLevel: 'silent' });
  try {
    return await fn(createClockOffsetService(deps), deps);
  } finally {
    await deps.handle.close();
  }
}

function print(state: ClockState, tz: string): void {
  const when = new Intl.DateTimeFormat('zh-CN', { timeZone: tz, dateStyle: 'full', timeStyle: 'medium' }).format(new Date(state.now));
  console.log(`platform time: ${when} (${tz})`);
  console.log(`offset from real time: ${formatDuration(state.offsetMs)}${state.offsetMs === 0 ? ' (real time)' : ''}`);
}

/** `bulwark clock show | advance <duration> | reset`: the shared demo clock of every server process. */
export function registerClock(program: Command): void {
  const clock = program
    .command('clock')
    .description('The demo/drill clock shared by every server process (BULWARK_MODE=demo or drill only; running servers follow within 2 s)');
  clock
    .command('show')
    .description('Print the platform time and its offset from real time')
    .action(() => withClock(async (c, deps) => print(await c.show(), deps.config.tz)));
  clock
    .command('advance')
    .argument('<duration>', 'how far to move forward, e.g. 7d, 36h, 1d12h, 90m')
    .option('-r, --reason <text>', 'why (kept in the journal)')
    .description('Move the platform time forward (journaled)')
    .action((duration: string, opts: { reason?: string }) => {
      const ms = parseDuration(duration);
      if (ms === undefined || ms <= 0) throw new CliError(`not a forward duration: ${duration} (try 7d, 36h, 90m)`, EXIT.USAGE);
      return withClock(async (c, deps) => print(await c.change(undefined, systemActor('cli'), { advanceMs: ms, reason: opts.reason }), deps.config.tz));
    });
  clock
    .command('reset')
    .option('-r, --reason <text>', 'why (kept in the journal)')
    .description('Go back to real time (journaled)')
    .action((opts: { reason?: string }) =>
      withClock(async (c, deps) => print(await c.change(undefined, systemActor('cli'), { offsetMs: 0, reason: opts.reason }), deps.config.tz)),
    );
}
