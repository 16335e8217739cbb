/**
 * Signature Version 4 for the one request shape the CBOR client sends: a POST of a body to a fixed
 * path, with no query string. Made for the call every shard repeats, idle or not: with the
 * request's CBOR encoding, the SDK's general signer took about 120 µs of CPU a call here and
 * allocated some 16 KB (a request object, a credentials hash for its key cache, sorted header
 * lists, hex strings); this one takes about 50 µs (17 µs for the signature alone), with
 * node:crypto for the hashes and the signing key kept for the day.
 *
 * It signs exactly what the SDK's signer signs for the same request (every header but the ones
 * SigV4 leaves out, `x-amz-content-sha256` added, a session token as `x-amz-security-token`):
 * `test/sigv4-post.test.ts` compares the two, header for header, for the same date and keys.
 * Every other call stays on the SDK.
 */
import { createHash, createHmac } from 'node:crypto';

export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** A credentials object, or the provider of one (the SDK client's `config.credentials` caches and refreshes). */
export type CredentialsSource = SigningCredentials | ((...args: never[]) => Promise<SigningCredentials>);

export interface PostTarget {
  region: string;
  service: string;
  /** The Host header: hostname, and `:port` when the URL has one. */
  host: string;
  /** The request path, as sent. */
  path: string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';

export class PostSigner {
  private readonly canonicalPath: string;
  private key: { day: string; secret: string; bytes: Buffer } | undefined;

  constructor(private readonly target: PostTarget, private readonly credentials: CredentialsSource) {
    this.canonicalPath = canonicalPath(target.path);
  }

  /**
   * The headers to send: `headers` (lower-case names; `content-length` is added) with `host`,
   * `x-amz-date`, `x-amz-content-sha256`, a session token and `authorization`.
   */
  async sign(headers: Record<string, string>, body: Uint8Array, now = new Date()): Promise<Record<string, string>> {
    const creds = await this.resolve();
    const longDate = now.toISOString().replace(/[-:]|\.\d{3}/g, '');
    const day = longDate.slice(0, 8);
    const scope = `${day}/${this.target.region}/${this.target.service}/aws4_request`;
    const payloadHash = createHash('sha256').update(body).digest('hex');
    const out: Record<string, string> = {
      ...headers, 'content-length': String(body.byteLength), host: this.target.host,
      'x-amz-content-sha256': payloadHash, 'x-amz-date': longDate,
    };
    if (creds.sessionToken) out['x-amz-security-token'] = creds.sessionToken;
    const names = Object.keys(out).sort();
    let canonical = `POST\n${this.canonicalPath}\n\n`;
    for (const name of names) canonical += `${name}:${out[name].trim().replace(/\s+/g, ' ')}\n`;
    const signed = names.join(';');
    canonical += `\n${signed}\n${payloadHash}`;
    const toSign = `${ALGORITHM}\n${longDate}\n${scope}\n${createHash('sha256').update(canonical).digest('hex')}`;
    const signature = createHmac('sha256', this.signingKey(day, creds.secretAccessKey)).update(toSign).digest('hex');
    out.authorization = `${ALGORITHM} Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${signed}, Signature=${signature}`;
    return out;
  }

  private async resolve(): Promise<SigningCredentials> {
    const c = typeof this.credentials === 'function' ? await this.credentials() : this.credentials;
    if (typeof c?.accessKeyId !== 'string' || typeof c.secretAccessKey !== 'string') {
      throw new Error(`the credentials for ${this.target.service} at ${this.target.host} have no accessKeyId and secretAccessKey`);
    }
    return c;
  }

  /** HMAC chain of the day, region and service; kept until the day or the secret changes. */
  private signingKey(day: string, secret: string): Buffer {
    if (this.key?.day === day && this.key.secret === secret) return this.key.bytes;
    let bytes = createHmac('sha256', `AWS4${secret}`).update(day).digest();
    for (const part of [this.target.region, this.target.service, 'aws4_request']) bytes = createHmac('sha256', bytes).update(part).digest();
    this.key = { day, secret, bytes };
    return bytes;
  }
}

/** SigV4's canonical path for services other than S3: segments normalized ('.', '..', empty), then URI-encoded twice. */
function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const s of path.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') segments.pop();
    else segments.push(s);
  }
  const normalized = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return encodeURIComponent(normalized).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%2F/g, '/');
}
