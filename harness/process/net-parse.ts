/**
 * Parses /proc/net/tcp and /proc/net/tcp6: the sockets listening on a port. Pure.
 */

/** TCP_LISTEN in the `st` column. */
const LISTEN = '0A';

/**
 * The inodes of the sockets listening on `port` (any local address) in the text of
 * /proc/net/tcp or /proc/net/tcp6: rows `sl local_address rem_address st … uid timeout inode`,
 * the local port in hex after the colon.
 */
export function listeningInodes(text: string, port: number): number[] {
  const inodes: number[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10 || fields[3] !== LISTEN) continue;
    const localPort = Number.parseInt(fields[1]!.split(':')[1] ?? '', 16);
    const inode = Number(fields[9]);
    if (localPort === port && Number.isSafeInteger(inode) && inode > 0) inodes.push(inode);
  }
  return inodes;
}

/** The socket inode an /proc/PID/fd link points at (`socket:[12345]`), or undefined for anything else. */
export function socketInode(linkTarget: string): number | undefined {
  const match = /^socket:\[(\d+)\]$/.exec(linkTarget);
  return match === null ? undefined : Number(match[1]);
}
