// Doctor's journal check: the journal's directory can be created and written (with fsync, as the
// journal writes), and sits on a disk that survives a reboot — the journal is what stops a restarted
// relay from dialling an attempt twice.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, realpathSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { errorText, fail, ok, type CheckLine } from './check.js';

/** Directories cleared at boot or held in memory on common Linux systems. */
const VOLATILE_DIRS = ['/tmp', '/run', '/dev/shm', '/var/run'];
const VOLATILE_FS = new Set(['tmpfs', 'ramfs']);

export function checkJournal(journalPath: string, mounts: () => string = () => readFileSync('/proc/mounts', 'utf8')): CheckLine {
  const dir = resolve(dirname(journalPath));
  const probe = `${dir}${sep}.perezvon-doctor-${process.pid}`;
  try {
    mkdirSync(dir, { recursive: true });
    const fd = openSync(probe, 'w');
    writeSync(fd, 'probe\n');
    fsyncSync(fd);
    closeSync(fd);
    unlinkSync(probe);
  } catch (err) {
    return fail('journal', `cannot write in ${dir} (${errorText(err)}): give the relay's user that directory (systemd: StateDirectory=perezvon-relay; container: a volume on /var/lib/perezvon-relay), or set PEREZVON_JOURNAL`);
  }
  const real = realpathSync(dir);
  const volatile = VOLATILE_DIRS.find((d) => real === d || real.startsWith(`${d}/`)) ?? volatileMount(real, mounts);
  if (volatile !== undefined) {
    return fail('journal', `${real} is on ${volatile}, which does not survive a reboot: after one, calls in flight would be forgotten. Set PEREZVON_JOURNAL to a file on a persistent disk, e.g. /var/lib/perezvon-relay/journal.jsonl`);
  }
  return ok('journal', `${real} is writable and on a persistent disk`);
}

/** The file system type of the longest mount point holding dir, if it is one kept in memory. */
function volatileMount(dir: string, mounts: () => string): string | undefined {
  let text: string;
  try {
    text = mounts();
  } catch {
    return undefined; // not Linux: only the directory names above are known
  }
  let best: { point: string; type: string } | undefined;
  for (const line of text.split('\n')) {
    const [, point, type] = line.split(' ');
    if (point === undefined || type === undefined) continue;
    const inside = point === '/' || dir === point || dir.startsWith(`${point}/`);
    if (inside && (best === undefined || point.length > best.point.length)) best = { point, type };
  }
  return best !== undefined && VOLATILE_FS.has(best.type) ? `a ${best.type} (${best.point})` : undefined;
}
