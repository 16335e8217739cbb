/** Listening on the loopback interface, the only one the local stand-ins use. */
import type { Server } from 'node:net';
import { ConnectorError } from '../core/errors.js';

/** The one address the stand-ins bind to. */
export const LOOPBACK = '127.0.0.1';

/**
 * Starts `server` listening on 127.0.0.1 at `port` (0: a free port) and resolves with the port it got.
 * A port in use fails with an error saying so.
 */
export async function listenOnLoopback(server: Server, port: number, what: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const failed = (err: Error) => reject(listenError(err, port, what));
    server.once('error', failed);
    server.listen(port, LOOPBACK, () => {
      server.off('error', failed);
      resolve();
    });
  });
  return (server.address() as { port: number }).port;
}

/** A clearer error for a port that is taken (or not allowed); `err` itself otherwise. */
function listenError(err: Error, port: number, what: string): Error {
  const code = (err as { code?: unknown }).code;
  if (code === 'EADDRINUSE') return new ConnectorError(`${what}: ${LOOPBACK}:${port} is already in use`, { code: 'PORT_IN_USE', cause: err });
  if (code === 'EACCES') return new ConnectorError(`${what}: not allowed to listen on ${LOOPBACK}:${port}`, { code: 'PORT_NOT_ALLOWED', cause: err });
  return err;
}

/** Stops `server` and ends its open connections (an HTTP server's idle keep-alive ones too). */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
  });
}
