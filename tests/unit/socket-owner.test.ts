import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatProcAddress, listeningInodes, listeningSockets, socketInode } from '../../harness/process/net-parse.js';
import { findListenerOwner, type SocketReader } from '../../harness/process/socket-owner.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/proc/${name}`, import.meta.url), 'utf8');
/** Port 41203 (0xA0F3) listening on 127.0.0.1 (inode 48213) with one connection to it; port 2024 on 0.0.0.0. */
const TCP = fixture('net-tcp.txt');
/** Port 8080 and port 41203 listening on :: (inodes 51877, 51880). */
const TCP6 = fixture('net-tcp6.txt');

describe('/proc/net/tcp', () => {
  it('finds the sockets listening on a port, not its connections', () => {
    expect(listeningInodes(TCP, 41203)).toEqual([48213]);
    expect(listeningInodes(TCP, 2024)).toEqual([212]);
    expect(listeningInodes(TCP6, 41203)).toEqual([51880]);
    expect(listeningInodes(TCP6, 8080)).toEqual([51877]);
    expect(listeningInodes(TCP, 8080)).toEqual([]);
    expect(listeningInodes('', 8080)).toEqual([]);
  });

  it('reads the address each listening socket is bound to, and whether it is every interface (issue 22 item 12)', () => {
    expect(listeningSockets(TCP, 41203)).toEqual([{ inode: 48213, address: '127.0.0.1', isWildcard: false }]);
    expect(listeningSockets(TCP, 2024)).toEqual([{ inode: 212, address: '0.0.0.0', isWildcard: true }]);
    expect(listeningSockets(TCP6, 41203)).toEqual([{ inode: 51880, address: '::', isWildcard: true }]);
    expect(formatProcAddress('00000000000000000000000001000000')).toBe('::1');
    expect(formatProcAddress('0000000000000000FFFF00000100007F')).toBe('::ffff:127.0.0.1');
    expect(formatProcAddress('B80D0120000000000000000001000000')).toBe('2001:db8::1');
  });

  it('reads a socket inode from an fd link', () => {
    expect(socketInode('socket:[48213]')).toBe(48213);
    expect(socketInode('pipe:[48213]')).toBeUndefined();
    expect(socketInode('/dev/null')).toBeUndefined();
  });
});

/** A fake /proc: processes with a parent, a command line and fd link targets. */
function fakeProc(processes: Record<number, { ppid: number; command: string; fds: string[] }>, tcp = TCP, tcp6 = TCP6): SocketReader {
  return {
    async read(path) {
      if (path === '/proc/net/tcp') return tcp;
      if (path === '/proc/net/tcp6') return tcp6;
      const match = /^\/proc\/(\d+)\/(stat|cmdline)$/.exec(path);
      const entry = match === null ? undefined : processes[Number(match[1])];
      if (entry === undefined) return undefined;
      return match![2] === 'stat' ? `${match![1]} (${entry.command.split(' ')[0]}) S ${entry.ppid} 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0 0` : entry.command.replaceAll(' ', '\0');
    },
    pids: async () => Object.keys(processes).map(Number),
    fdTargets: async (pid) => processes[pid]?.fds ?? [],
  };
}

describe('who holds the listening socket', () => {
  it('a process of the tree: the root, or a child that stayed', async () => {
    expect(await findListenerOwner(100, 41203, fakeProc({ 100: { ppid: 1, command: 'server', fds: ['/dev/null', 'socket:[48213]'] } }))).toEqual({ state: 'tree', pid: 100, sockets: [{ inode: 48213, address: '127.0.0.1', isWildcard: false }, { inode: 51880, address: '::', isWildcard: true }] });
    const script = fakeProc({ 100: { ppid: 1, command: 'sh run.sh', fds: ['pipe:[7]'] }, 101: { ppid: 100, command: 'server', fds: ['socket:[51880]'] } });
    expect(await findListenerOwner(100, 41203, script)).toMatchObject({ state: 'tree', pid: 101 });
  });

  it('a process outside the tree: the daemon a wrapper forked off, named', async () => {
    const daemonised = fakeProc({ 1: { ppid: 0, command: 'init', fds: [] }, 100: { ppid: 1, command: 'sh start.sh', fds: [] }, 101: { ppid: 100, command: 'sleep 600', fds: [] }, 250: { ppid: 1, command: 'server --port 41203', fds: ['socket:[48213]'] } });
    expect(await findListenerOwner(100, 41203, daemonised)).toEqual({ state: 'outside', owner: { pid: 250, command: 'server --port 41203' } });
    expect(await findListenerOwner(100, 41203, fakeProc({ 100: { ppid: 1, command: 'docker run', fds: [] } }))).toEqual({ state: 'outside', owner: undefined });
  });

  it('no socket listening in this network namespace (a container\'s port forwarded in)', async () => {
    expect(await findListenerOwner(100, 9999, fakeProc({ 100: { ppid: 1, command: 'docker run -p 9999:80 nginx', fds: [] } }))).toEqual({ state: 'none' });
  });
});
