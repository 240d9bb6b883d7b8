/**
 * Picking which worker to SIGKILL, from what the machine itself shows (not from a log format):
 *
 * - Mid-conform: delivery conforms the provider's file with ffmpeg, writing into
 *   `<data dir>/artifacts/<take id>/`; an ffmpeg process under a worker whose command line names
 *   such a path is that worker conforming that take.
 * - Mid-poll: the stand-in records, per generation, the client port of its latest poll; the worker
 *   holding the socket on that local port (keep-alive: /proc/net/tcp gives the socket's inode,
 *   /proc/<pid>/fd the process holding it) is the one polling.
 */
import fs from "node:fs";

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** pid → parent pid for every process. */
function parents(): Map<number, number> {
  const map = new Map<number, number>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readText(`/proc/${entry}/stat`);
    if (!stat) continue;
    // "pid (comm) state ppid …": comm may hold spaces, so read after the last ")".
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    map.set(Number(entry), ppid);
  }
  return map;
}

function ancestorIn(pid: number, set: Set<number>, parentOf: Map<number, number>): number | undefined {
  for (let p = pid, hops = 0; p > 1 && hops < 20; p = parentOf.get(p) ?? 0, hops++) if (set.has(p)) return p;
  return undefined;
}

/** Takes being conformed right now: take id → the worker pid running the ffmpeg. */
export function conformingTakes(workerPids: number[]): Map<string, number> {
  const found = new Map<string, number>();
  const workers = new Set(workerPids);
  const parentOf = parents();
  for (const [pid] of parentOf) {
    const cmd = readText(`/proc/${pid}/cmdline`);
    if (!cmd || !cmd.split("\0")[0]!.endsWith("ffmpeg")) continue;
    const take = /\/artifacts\/([^/\0]+)\//.exec(cmd)?.[1];
    if (!take) continue;
    const worker = ancestorIn(pid, workers, parentOf);
    if (worker) found.set(take, worker);
  }
  return found;
}

/** The pid among `pids` holding a TCP socket whose local port is `port` (loopback), if any. */
export function pidOwningLocalPort(port: number, pids: number[]): number | undefined {
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of (readText(table) ?? "").split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      if (!local) continue;
      if (parseInt(local.split(":")[1]!, 16) === port) inodes.add(cols[9]!);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link = "";
      try {
        link = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
      if (inode && inodes.has(inode)) return pid;
    }
  }
  return undefined;
}
