// CPU and memory of a process from /proc (Linux): what every scenario reports for each process involved.
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** CPU seconds used so far (user + system), or null when the process is gone. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name may hold spaces and parentheses: fields are counted after its closing ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime, stime (fields 14, 15)
  } catch {
    return null;
  }
}

/** Resident set size in KiB (VmRSS), or null when the process is gone. */
export function rssKiB(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** The direct children of a process (a wrapper script's real worker, for instance). */
export function childrenOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export function commandLine(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * CPU meter over named processes: `mark()` starts an interval, `read()` gives each process's share of one
 * core (1.0 = a whole core) since the last mark.
 */
export class CpuMeter {
  constructor() {
    this.pids = new Map(); // name -> pid
    this.start = new Map();
    this.startedAt = 0;
  }

  /** Watches `pid` as `name`; a new pid for a name during an interval (a restarted process) counts from zero. */
  watch(name, pid) {
    if (!pid) return;
    if (this.startedAt && this.pids.has(name) && this.pids.get(name) !== pid) this.start.set(name, 0);
    this.pids.set(name, pid);
  }

  mark() {
    this.startedAt = performance.now();
    for (const [name, pid] of this.pids) this.start.set(name, cpuSeconds(pid));
  }

  read() {
    const seconds = (performance.now() - this.startedAt) / 1000;
    const shares = {};
    for (const [name, pid] of this.pids) {
      const now = cpuSeconds(pid);
      const before = this.start.get(name);
      shares[name] = now == null || before == null || seconds <= 0 ? null : Number(((now - before) / seconds).toFixed(3));
    }
    return shares;
  }
}

/**
 * Live heap of a JVM in KiB after a full GC (`jcmd GC.run`, then `GC.heap_info`), or null when the
 * process is not a JVM that answers jcmd.
 */
export function liveHeapKiB(pid) {
  try {
    execFileSync('jcmd', [String(pid), 'GC.run'], { timeout: 60_000, stdio: 'pipe' });
    const info = execFileSync('jcmd', [String(pid), 'GC.heap_info'], { timeout: 30_000, stdio: 'pipe' }).toString();
    const match = /used (\d+)K/.exec(info);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}
