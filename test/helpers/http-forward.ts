// What the test proxies in front of the emulators share: reading a whole body, and forwarding one
// request upstream with its answer read whole.
import { request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

/** Sends the request (its method, path, headers and the body already read) to `upstream`. */
export function forward(upstream: URL, method: string, path: string, headers: IncomingHttpHeaders, body: Buffer): Promise<Answer> {
  const { 'transfer-encoding': _chunked, ...rest } = headers;
  return new Promise((resolve, reject) => {
    const fwd = request({ host: upstream.hostname, port: upstream.port, method, path, headers: { ...rest, 'content-length': String(body.byteLength) } }, (up) => {
      readBody(up).then((b) => resolve({ status: up.statusCode ?? 500, headers: up.headers, body: b }), reject);
    });
    fwd.on('error', reject);
    fwd.end(body);
  });
}
