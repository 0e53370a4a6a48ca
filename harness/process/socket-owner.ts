/**
 * Which process holds the socket listening on a port: a process of a started service's tree, or
 * one outside it (the service's `start` was a wrapper: `docker run`, a script that daemonises,
 * `cargo run` …). I/O (/proc).
 */
import { readdir, readFile, readlink } from 'node:fs/promises';
import { listeningSockets, socketInode, type ListeningSocket } from './net-parse.js';
import { descendants, parseStat } from './proc-parse.js';

/** Where the listener of a port is, seen from /proc. */
export type ListenerOwner =
  /** A process of the tree holds it; `sockets`: what listens on the port (address, wildcard or not). */
  | { readonly state: 'tree'; readonly pid: number; readonly sockets: readonly ListeningSocket[] }
  /** Sockets listen on the port, but no process of the tree holds one; `owner` when found (root sees every process). */
  | { readonly state: 'outside'; readonly owner: { readonly pid: number; readonly command: string } | undefined }
  /** No socket listens on the port in this network namespace (a container's port forwarded in, or a proxy elsewhere). */
  | { readonly state: 'none' };

/** /proc access, injectable for tests. */
export interface SocketReader {
  /** The text of a file, or undefined when it cannot be read. */
  read(path: string): Promise<string | undefined>;
  /** Numeric entries of /proc. */
  pids(): Promise<number[]>;
  /** The targets of /proc/PID/fd/* links (empty when the process is gone or not readable). */
  fdTargets(pid: number): Promise<string[]>;
}

export const systemSockets: SocketReader = {
  read: (path) => readFile(path, 'utf8').catch(() => undefined),
  pids: async () => (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry)).map(Number),
  async fdTargets(pid) {
    const entries = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    const targets = await Promise.all(entries.map((entry) => readlink(`/proc/${pid}/fd/${entry}`).catch(() => '')));
    return targets.filter((target) => target !== '');
  },
};

async function holds(reader: SocketReader, pid: number, inodes: ReadonlySet<number>): Promise<boolean> {
  return (await reader.fdTargets(pid)).some((target) => inodes.has(socketInode(target) ?? -1));
}

/**
 * Finds who holds the socket listening on `port`: the tree rooted at `rootPid` (its current
 * descendants) first; otherwise, for the message, any process this user may look into.
 */
export async function findListenerOwner(rootPid: number, port: number, reader: SocketReader = systemSockets): Promise<ListenerOwner> {
  const tables = await Promise.all([reader.read('/proc/net/tcp'), reader.read('/proc/net/tcp6')]);
  const sockets = tables.flatMap((text) => (text === undefined ? [] : listeningSockets(text, port)));
  const inodes = new Set(sockets.map((socket) => socket.inode));
  if (inodes.size === 0) return { state: 'none' };
  const pids = await reader.pids();
  const parentOf = new Map<number, number>();
  for (const pid of pids) {
    const stat = parseStat((await reader.read(`/proc/${pid}/stat`)) ?? '');
    if (stat !== undefined) parentOf.set(pid, stat.ppid);
  }
  const tree = parentOf.has(rootPid) ? descendants(rootPid, parentOf) : [];
  for (const pid of tree) if (await holds(reader, pid, inodes)) return { state: 'tree', pid, sockets };
  const inTree = new Set(tree);
  for (const pid of pids) {
    if (inTree.has(pid) || !(await holds(reader, pid, inodes))) continue;
    const command = ((await reader.read(`/proc/${pid}/cmdline`)) ?? '').split('\0').filter((part) => part !== '').join(' ');
    return { state: 'outside', owner: { pid, command } };
  }
  return { state: 'outside', owner: undefined };
}
