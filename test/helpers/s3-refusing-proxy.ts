// A thin HTTP proxy in front of s3rver that refuses the next `refuseNext` PutObject calls whose key
// starts with a given path (a count the test may change at any time), the way S3 does under load (HTTP 503 SlowDown), and forwards every other
// request (and the later PutObject calls) untouched.
import { createServer, type Server } from 'node:http';
import { forward, readBody } from './http-forward.js';

export interface S3RefusingProxy {
  endpoint: string;
  /** PutObject calls under the path still to be refused (Infinity: all of them until changed). */
  refuseNext: number;
  /** The keys (bucket/key paths) of the refused PutObject calls, in order. */
  refused: string[];
  /** The keys of the PutObject calls passed on under the path, in order. */
  passed: string[];
  close(): Promise<void>;
}

const SLOW_DOWN = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>' +
  '<Message>Please reduce your request rate. (test proxy)</Message><RequestId>test</RequestId></Error>';

/** `path` is `/<bucket>/<key prefix>` (path-style addressing). */
export async function startS3RefusingProxy(target: string, path: string, refusals: number): Promise<S3RefusingProxy> {
  const upstream = new URL(target);
  const refused: string[] = [];
  const passed: string[] = [];
  const proxy = { refuseNext: refusals };
  const server: Server = createServer((req, res) => {
    readBody(req).then(async (body) => {
      const url = req.url ?? '/';
      const key = decodeURIComponent(url.split('?')[0]);
      const isPut = req.method === 'PUT' && key.startsWith(path);
      if (isPut && proxy.refuseNext > 0) {
        proxy.refuseNext--;
        refused.push(key);
        res.writeHead(503, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(SLOW_DOWN) });
        res.end(SLOW_DOWN);
        return;
      }
      if (isPut) passed.push(key);
      const answer = await forward(upstream, req.method ?? 'GET', url, req.headers, body);
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    }).catch((err: Error) => res.destroy(err));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return Object.assign<{ refuseNext: number }, Omit<S3RefusingProxy, 'refuseNext'>>(proxy, {
    endpoint: `http://127.0.0.1:${port}`,
    refused,
    passed,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  });
}
