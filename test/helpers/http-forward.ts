// What the test proxies in front of the emulators share: reading a whole body, forwarding one
// request upstream with its answer read whole, and rewriting an answer in JSON or CBOR.
import { request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { decode, encode } from 'cbor-x';

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

/**
 * The answer's body read as its content type says (CBOR for `application/x-amz-cbor-1.1`, else
 * JSON), passed through `rewrite` and written back the same way, without its stale length and checksum.
 */
export function rewriteAnswer(answer: Answer, rewrite: (value: Record<string, unknown>) => Record<string, unknown>): Answer {
  const cbor = String(answer.headers['content-type']).includes('cbor');
  const value = (cbor ? decode(answer.body) : JSON.parse(answer.body.toString('utf8'))) as Record<string, unknown>;
  const body = cbor ? Buffer.from(encode(rewrite(value))) : Buffer.from(JSON.stringify(rewrite(value)));
  const { 'content-length': _length, 'content-encoding': _encoding, 'x-amz-crc32': _crc, ...headers } = answer.headers;
  return { status: answer.status, headers: { ...headers, 'content-length': String(body.byteLength) }, body };
}
