// A thin HTTP proxy in front of kinesalite that rewrites the answers of one Kinesis operation, JSON
// or CBOR (such as ListShards answering with hostile shard ids); every other call is forwarded untouched.
import { createServer } from 'node:http';
import { forward, readBody, rewriteAnswer } from './http-forward.js';
import type { AddressInfo } from 'node:net';

export interface RewritingProxy {
  endpoint: string;
  /** Answers rewritten so far. */
  rewritten(): number;
  close(): Promise<void>;
}

/** Passes each successful answer of `operation` (parsed JSON, or decoded CBOR) through `rewrite` before the client sees it. */
export async function startRewritingProxy(target: string, operation: string, rewrite: (answer: Record<string, unknown>) => Record<string, unknown>): Promise<RewritingProxy> {
  const upstream = new URL(target);
  let count = 0;
  const server = createServer((req, res) => {
    const op = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
    readBody(req).then(async (body) => {
      let answer = await forward(upstream, req.method ?? 'POST', req.url ?? '/', req.headers, body);
      if (op === operation && answer.status === 200) {
        answer = rewriteAnswer(answer, rewrite);
        count++;
      }
      const { 'content-length': _length, 'content-encoding': _encoding, 'x-amz-crc32': _crc, ...headers } = answer.headers;
      res.writeHead(answer.status, { ...headers, 'content-length': String(answer.body.byteLength) });
      res.end(answer.body);
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
