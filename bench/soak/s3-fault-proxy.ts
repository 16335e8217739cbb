// An HTTP proxy in front of the embedded S3 that, while a fault is set, answers every request with
// the error S3 itself sends (500 InternalError, 503 ServiceUnavailable, 503 SlowDown) and forwards
// everything otherwise.
import { createServer, request, type Server } from 'node:http';

export type S3Fault = 's3-500' | 's3-503' | 's3-slowdown';

const ANSWERS: Record<S3Fault, { status: number; code: string; message: string }> = {
  's3-500': { status: 500, code: 'InternalError', message: 'We encountered an internal error. Please try again.' },
  's3-503': { status: 503, code: 'ServiceUnavailable', message: 'Service is unable to handle request.' },
  's3-slowdown': { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' },
};

export interface S3FaultProxy {
  endpoint: string;
  /** Requests answered with an error, by fault. */
  failed: Map<S3Fault, number>;
  /**
   * Fails every request with `fault` for `ms` milliseconds, and past them until one request has
   * met it (a fault window in which the pipeline sent nothing, busy restarting on a loaded machine,
   * would test nothing). A later call replaces the fault.
   */
  failFor(fault: S3Fault, ms: number): void;
  close(): Promise<void>;
}

export async function startS3FaultProxy(target: string): Promise<S3FaultProxy> {
  const upstream = new URL(target);
  const failed = new Map<S3Fault, number>();
  let fault: S3Fault | undefined;
  let timer: NodeJS.Timeout | undefined;
  let timeUp = false;
  let met = false;
  const server: Server = createServer((req, res) => {
    if (fault) {
      const a = ANSWERS[fault];
      failed.set(fault, (failed.get(fault) ?? 0) + 1);
      met = true;
      if (timeUp) fault = undefined;
      req.resume();
      const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${a.code}</Code><Message>${a.message}</Message></Error>`;
      res.writeHead(a.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), connection: 'close' });
      res.end(body);
      return;
    }
    const headers = { ...req.headers };
    delete headers.expect;
    const fwd = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (up) => {
      res.writeHead(up.statusCode ?? 500, up.headers);
      up.pipe(res);
    });
    fwd.on('error', (err) => res.destroy(err));
    req.pipe(fwd);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    failed,
    failFor(f, ms) {
      fault = f;
      timeUp = false;
      met = false;
      clearTimeout(timer);
      timer = setTimeout(() => {
        timeUp = true;
        if (met) fault = undefined;
      }, ms);
    },
    close: () => new Promise((resolve) => {
      clearTimeout(timer);
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
