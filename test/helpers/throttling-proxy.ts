// A thin HTTP proxy in front of kinesalite that answers some calls with Kinesis throttling errors,
// exactly as the service does (HTTP 400 with a JSON __type), and forwards the rest untouched.
import { createServer, request, type Server } from 'node:http';

export interface ThrottlingProxy {
  endpoint: string;
  /** Throttled responses sent, by operation. */
  throttled: Map<string, number>;
  close(): Promise<void>;
}

/** Fails every `every`-th call of each listed operation with the given error type. */
export async function startThrottlingProxy(target: string, rules: Record<string, { every: number; error: string }>): Promise<ThrottlingProxy> {
  const upstream = new URL(target);
  const calls = new Map<string, number>();
  const throttled = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const op = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
    const n = (calls.get(op) ?? 0) + 1;
    calls.set(op, n);
    const rule = rules[op];
    if (rule && n % rule.every === 0) {
      req.resume();
      throttled.set(op, (throttled.get(op) ?? 0) + 1);
      const body = JSON.stringify({ __type: rule.error, message: 'Rate exceeded for shard (test proxy)' });
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': rule.error, 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    const fwd = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
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
    throttled,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
