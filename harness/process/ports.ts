/**
 * Picks a free TCP port on 127.0.0.1 by binding port 0. I/O.
 * There is a window between closing this socket and the service binding the port; startService
 * retries with a new port when a service reports the address in use.
 */
import net from 'node:net';

/** A port that was free on 127.0.0.1 a moment ago. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
