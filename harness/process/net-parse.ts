/**
 * Parses /proc/net/tcp and /proc/net/tcp6: the sockets listening on a port. Pure.
 */

/** TCP_LISTEN in the `st` column. */
const LISTEN = '0A';

/** A socket listening on a port: its inode and the local address it is bound to. */
export interface ListeningSocket {
  readonly inode: number;
  /** `127.0.0.1`, `0.0.0.0`, `::`, `::1`, `::ffff:127.0.0.1`. */
  readonly address: string;
  /** Bound to every interface (`0.0.0.0` or `::`), not one address. */
  readonly isWildcard: boolean;
}

/**
 * The address of a local_address column (`0100007F` for tcp, 32 hex digits for tcp6): the kernel
 * prints each 32-bit word in the host's byte order, little-endian on the machines this runs on.
 */
export function formatProcAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((word) => (word.match(/../g) ?? []).reverse().map((byte) => Number.parseInt(byte, 16)));
  if (bytes.length === 4) return bytes.join('.');
  if (bytes.length !== 16) return hex;
  if (bytes.slice(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups = Array.from({ length: 8 }, (_, index) => ((bytes[2 * index]! << 8) | bytes[2 * index + 1]!).toString(16));
  // The longest run of zero groups (two or more) becomes `::` (RFC 5952).
  let best = { at: -1, length: 0 };
  for (let at = 0; at < 8; ) {
    let end = at;
    while (end < 8 && groups[end] === '0') end += 1;
    if (end - at > best.length) best = { at, length: end - at };
    at = end === at ? at + 1 : end;
  }
  if (best.length < 2) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.length).join(':')}`;
}

/**
 * The sockets listening on `port` (any local address) in the text of /proc/net/tcp or
 * /proc/net/tcp6: rows `sl local_address rem_address st … uid timeout inode`, the local address
 * and port in hex around the colon.
 */
export function listeningSockets(text: string, port: number): ListeningSocket[] {
  const sockets: ListeningSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10 || fields[3] !== LISTEN) continue;
    const [addressHex = '', portHex = ''] = fields[1]!.split(':');
    const inode = Number(fields[9]);
    if (Number.parseInt(portHex, 16) !== port || !Number.isSafeInteger(inode) || inode <= 0) continue;
    sockets.push({ inode, address: formatProcAddress(addressHex), isWildcard: /^0+$/.test(addressHex) });
  }
  return sockets;
}

/** The inodes of the sockets listening on `port` (see listeningSockets). */
export function listeningInodes(text: string, port: number): number[] {
  return listeningSockets(text, port).map((socket) => socket.inode);
}

/** The socket inode an /proc/PID/fd link points at (`socket:[12345]`), or undefined for anything else. */
export function socketInode(linkTarget: string): number | undefined {
  const match = /^socket:\[(\d+)\]$/.exec(linkTarget);
  return match === null ? undefined : Number(match[1]);
}
