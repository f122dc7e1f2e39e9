/**
 * Preloaded into `bulwark serve` by the bench (`--import`, inherited by its cluster workers) when
 * BULWARK_BENCH_CPUPROF is set: a V8 CPU profile that starts on the first SIGUSR2 and is written on
 * the second, so the profile covers the measured load only — not the process's start-up (tsx
 * compiling the sources) nor its warm-up, which `--cpu-prof` from the start mixed in (issue 14).
 * Writes `<dir>/<pid>.cpuprofile`. The bench signals every process of the server's tree.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const dir = process.env.BULWARK_BENCH_CPUPROF_DIR;
if (dir) {
  let session: Session | undefined;
  process.on('SIGUSR2', () => {
    if (!session) {
      session = new Session();
      session.connect();
      session.post('Profiler.enable');
      session.post('Profiler.setSamplingInterval', { interval: 200 });
      session.post('Profiler.start');
      return;
    }
    // Same-thread inspector sessions dispatch synchronously: the callback runs before post returns.
    session.post('Profiler.stop', (err, r) => {
      if (!err) {
        mkdirSync(dir, { recursive: true });
        writeFileSync(`${dir}/${process.pid}.cpuprofile`, JSON.stringify(r.profile));
      }
      session?.disconnect();
      session = undefined;
    });
  });
}
