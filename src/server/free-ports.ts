/** Picking ports for several local nodes before any of them starts (their voter lists name each other's ports). */
import { createServer, type Server } from 'node:net';

const HOST = '127.0.0.1';

/**
 * `count` distinct ports nobody listens on right now: each probe stays bound
 * until all are taken, so the kernel cannot hand out the same one twice.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => new Promise<Server>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => resolve(server));
  })));
  const ports = servers.map((server) => {
    const address = server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  });
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  return ports;
}
