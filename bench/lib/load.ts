/**
 * Machine-load sampling around timed benchmark blocks. The machine is shared, so a timing means
 * little without knowing what else ran: each block records the load averages and CPU time of
 * this process (worker threads included) and of the whole machine (/proc/stat, Linux) at its
 * start and end, from which it derives this process's share of the machine's CPU capacity and
 * the share other processes took — the same "foreign CPU fraction" the Python baseline reports.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';

export interface CpuTicks {
  /** Jiffies spent not idle (user, nice, system, irq, softirq, steal). */
  readonly busy: number;
  readonly total: number;
}

export interface LoadSnapshot {
  /** performance.now() in ms. */
  readonly atMs: number;
  readonly loadavg: readonly [number, number, number];
  /** CPU time of this process (all threads), µs. */
  readonly processCpuUs: number;
  /** Whole-machine CPU ticks; undefined where /proc/stat is unavailable. */
  readonly machine: CpuTicks | undefined;
}

export interface LoadReport {
  readonly wallS: number;
  readonly loadavgStart: readonly [number, number, number];
  readonly loadavgEnd: readonly [number, number, number];
  readonly cpus: number;
  readonly processCpuS: number;
  /** This process's CPU time over the block's CPU capacity (wall × cpus), 0–1. */
  readonly processShare: number;
  /** Other processes' CPU time over the capacity, 0–1 (undefined without /proc/stat). */
  readonly foreignShare: number | undefined;
}

/** Aggregate "cpu" line of /proc/stat; undefined when the text has none. */
export function parseProcStat(text: string): CpuTicks | undefined {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (line === undefined) return undefined;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  if (v.length < 4 || v.some((x) => !Number.isFinite(x))) return undefined;
  // Fields: user nice system idle iowait irq softirq steal guest guest_nice; guest time is
  // already counted in user/nice, so it is left out of the total.
  const fields = v.slice(0, 8);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: total - idle, total };
}

function readMachineTicks(): CpuTicks | undefined {
  try {
    return parseProcStat(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return undefined;
  }
}

export function snapshotLoad(): LoadSnapshot {
  const [a = 0, b = 0, c = 0] = loadavg();
  const u = process.cpuUsage();
  return {
    atMs: performance.now(),
    loadavg: [a, b, c],
    processCpuUs: u.user + u.system,
    machine: readMachineTicks(),
  };
}

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

export function loadBetween(start: LoadSnapshot, end: LoadSnapshot, cpus: number = availableParallelism()): LoadReport {
  const wallS = Math.max(1e-9, (end.atMs - start.atMs) / 1000);
  const processCpuS = Math.max(0, (end.processCpuUs - start.processCpuUs) / 1e6);
  let foreignShare: number | undefined;
  if (start.machine !== undefined && end.machine !== undefined) {
    const dTotal = end.machine.total - start.machine.total;
    const dBusy = end.machine.busy - start.machine.busy;
    if (dTotal > 0) {
      // Ticks count CPU-time across all CPUs, so busy/total is already a share of capacity.
      const machineBusyShare = dBusy / dTotal;
      foreignShare = clamp01(machineBusyShare - processCpuS / (wallS * cpus));
    }
  }
  return {
    wallS,
    loadavgStart: start.loadavg,
    loadavgEnd: end.loadavg,
    cpus,
    processCpuS,
    processShare: clamp01(processCpuS / (wallS * cpus)),
    foreignShare,
  };
}

/** Runs `fn` and reports the machine load over its run. */
export async function withLoad<T>(fn: () => Promise<T> | T): Promise<{ value: T; load: LoadReport }> {
  const start = snapshotLoad();
  const value = await fn();
  return { value, load: loadBetween(start, snapshotLoad()) };
}

/** One line for a report, e.g. "load 1m 3.10→2.40; this process 92% of 2 CPUs; others 8%". */
export function describeLoad(r: LoadReport): string {
  const pct = (x: number): string => `${Math.round(x * 100)}%`;
  const others = r.foreignShare === undefined ? 'others n/a' : `others ${pct(r.foreignShare)}`;
  return `${r.wallS.toFixed(1)} s wall; load 1m ${r.loadavgStart[0].toFixed(2)}→${r.loadavgEnd[0].toFixed(2)}; this process ${pct(r.processShare)} of ${r.cpus} CPUs; ${others}`;
}
