// A thin HTTP proxy in front of kinesalite that rewrites the JSON answers of one Kinesis operation
// (such as ListShards answering with hostile shard ids); every other call is forwarded untouched.
import { createServer } from 'node:http';
import { forward, readBody } from './http-forward.js';
import type { AddressInfo } from 'node:net';

export interface RewritingProxy {
  endpoint: string;
  /** Answers rewritten so far. */
  rewritten(): number;
  close(): Promise<void>;
}

/** Passes each successful answer of `operation` (parsed JSON) through `rewrite` before the client sees it. */
export async function startRewritingProxy(target: string, operation: string, rewrite: (answer: Record<string, unknown>) => Record<string, unknown>): Promise<RewritingProxy> {
  const upstream = new URL(target);
  let count = 0;
  const server = createServer((req, res) => {
    const op = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
    readBody(req).then(async (body) => {
      const up = await forward(upstream, req.method ?? 'POST', req.url ?? '/', req.headers, body);
      let out = up.body;
      if (op === operation && up.status === 200) {
        out = Buffer.from(JSON.stringify(rewrite(JSON.parse(up.body.toString('utf8')) as Record<string, unknown>)));
        count++;
      }
      const { 'content-length': _length, 'content-encoding': _encoding, 'x-amz-crc32': _crc, ...headers } = up.headers;
      res.writeHead(up.status, { ...headers, 'content-length': String(out.byteLength) });
      res.end(out);
    }).catch((err: unknown) => {
      res.writeHead(502);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    rewritten: () => count,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
