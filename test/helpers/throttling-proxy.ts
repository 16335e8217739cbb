// A thin HTTP proxy in front of kinesalite that answers some calls with Kinesis throttling errors,
// exactly as the service does (HTTP 400 with a JSON __type), and forwards the rest untouched.
import { createServer, request, type Server } from 'node:http';
import { Decoder } from 'cbor-x';
import { openIterator } from './kinesalite-iterator.js';

const cbor = new Decoder({ mapsAsObjects: true, useRecords: false });

/** The shard a call is about: its ShardId, or the one in its kinesalite ShardIterator; '' for neither. */
function shardOf(body: Buffer, contentType: string): string {
  try {
    const value = (contentType.includes('cbor') ? cbor.decode(body) : JSON.parse(body.toString('utf8'))) as { ShardId?: unknown; ShardIterator?: unknown };
    if (typeof value.ShardId === 'string') return value.ShardId;
    return typeof value.ShardIterator === 'string' ? openIterator(value.ShardIterator)[2] ?? '' : '';
  } catch {
    return '';
  }
}

export interface ThrottlingProxy {
  endpoint: string;
  /** Throttled responses sent, by operation. */
  throttled: Map<string, number>;
  close(): Promise<void>;
}

/**
 * Fails every `every`-th call of each listed operation with the given error type, counted per shard
 * where the call names one (its ShardId or ShardIterator): counted across shards, two shards polling
 * in step could leave every throttle to one of them, whose backoff then grows past the test's wait.
 */
export async function startThrottlingProxy(target: string, rules: Record<string, { every: number; error: string }>): Promise<ThrottlingProxy> {
  const upstream = new URL(target);
  const calls = new Map<string, number>();
  const throttled = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const op = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      const rule = rules[op];
      const counter = `${op} ${rule ? shardOf(body, String(req.headers['content-type'] ?? '')) : ''}`;
      const n = (calls.get(counter) ?? 0) + 1;
      calls.set(counter, n);
      if (rule && n % rule.every === 0) {
        throttled.set(op, (throttled.get(op) ?? 0) + 1);
        const answer = JSON.stringify({ __type: rule.error, message: 'Rate exceeded for shard (test proxy)' });
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': rule.error, 'content-length': Buffer.byteLength(answer) });
        res.end(answer);
        return;
      }
      const fwd = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 500, up.headers);
        up.pipe(res);
      });
      fwd.on('error', (err) => res.destroy(err));
      fwd.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    throttled,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
