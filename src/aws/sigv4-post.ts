/**
 * Signature Version 4 for the one request shape the CBOR client sends: a POST of a body to a fixed
 * path, with no query string. Made for the call every shard repeats, idle or not: with the
 * request's CBOR encoding, the SDK's general signer took about 120 µs of CPU a call here and
 * allocated some 16 KB (a request object, a credentials hash for its key cache, sorted header
 * lists, hex strings); this one takes about 50 µs (17 µs for the signature alone), with
 * node:crypto for the hashes and the signing key kept for the day. The canonical form of the
 * caller's fixed headers is worked out once and the date string once a second: about 2.7 KB
 * allocated a call against 8.5 KB when both were made on every call (measured with V8's sampling
 * heap profiler over 3,000 calls).
 *
 * It signs exactly what the SDK's signer signs for the same request (every header but the ones
 * SigV4 leaves out, `x-amz-content-sha256` added, a session token as `x-amz-security-token`):
 * `test/sigv4-post.test.ts` compares the two, header for header, for the same date and keys.
 * Every other call stays on the SDK.
 */
// A namespace import: `hash` is looked up at run time (Node 20 before 20.12 has none, and a named
// import of it would fail to load there).
import * as crypto from 'node:crypto';

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

/** node:crypto's one-shot digest where this Node has it (20.12 and later): no Hash object a call. */
const oneShot = (crypto as { hash?: typeof crypto.hash }).hash;

function sha256Hex(data: Uint8Array | string): string {
  return oneShot ? oneShot('sha256', data, 'hex') : crypto.createHash('sha256').update(data).digest('hex');
}

/** Headers SigV4 adds whose values change from call to call. */
const PER_CALL = ['content-length', 'x-amz-content-sha256', 'x-amz-date', 'x-amz-security-token'] as const;
type PerCall = typeof PER_CALL[number];

/**
 * The canonical headers of one set of caller's headers, worked out once: the lines of the headers
 * that do not change (the caller's, `host`), slots for those that do, and the signed-header list.
 */
interface HeaderPlan {
  headers: Readonly<Record<string, string>>;
  withToken: boolean;
  /** In order: a fixed header's whole canonical line, or the bare name of a per-call header. */
  parts: string[];
  signed: string;
}

function isPerCall(name: string): name is PerCall {
  return (PER_CALL as readonly string[]).includes(name);
}

export class PostSigner {
  private readonly canonicalPath: string;
  private key: { day: string; secret: string; bytes: Buffer } | undefined;
  /** The plan of the headers last signed: callers pass the same object on every call. */
  private plan: HeaderPlan | undefined;
  /** The last second formatted as an ISO basic date-time: idle shards sign many calls a second. */
  private clock = { second: NaN, longDate: '' };

  constructor(private readonly target: PostTarget, private readonly credentials: CredentialsSource) {
    this.canonicalPath = canonicalPath(target.path);
  }

  /**
   * The headers to send: `headers` (lower-case names; `content-length` is added) with `host`,
   * `x-amz-date`, `x-amz-content-sha256`, a session token and `authorization`. Pass the same
   * `headers` object on every call: its canonical form is kept while it is.
   */
  async sign(headers: Readonly<Record<string, string>>, body: Uint8Array, now?: Date): Promise<Record<string, string>> {
    const creds = typeof this.credentials === 'function' ? await this.credentials() : this.credentials;
    if (typeof creds?.accessKeyId !== 'string' || typeof creds.secretAccessKey !== 'string') {
      throw new Error(`the credentials for ${this.target.service} at ${this.target.host} have no accessKeyId and secretAccessKey`);
    }
    const longDate = this.longDate(now === undefined ? Date.now() : now.getTime());
    const day = longDate.slice(0, 8);
    const scope = `${day}/${this.target.region}/${this.target.service}/aws4_request`;
    const payloadHash = sha256Hex(body);
    const token = creds.sessionToken || undefined;
    // Canonical values: only a token can hold spaces to fold; the others are digits, hex and a date.
    const values: Record<PerCall, string | undefined> = {
      'content-length': String(body.byteLength), 'x-amz-content-sha256': payloadHash, 'x-amz-date': longDate,
      'x-amz-security-token': token === undefined ? undefined : canonicalValue(token),
    };
    const plan = this.planFor(headers, token !== undefined);
    let canonical = `POST\n${this.canonicalPath}\n\n`;
    for (const part of plan.parts) canonical += isPerCall(part) ? `${part}:${values[part]}\n` : part;
    canonical += `\n${plan.signed}\n${payloadHash}`;
    const toSign = `${ALGORITHM}\n${longDate}\n${scope}\n${sha256Hex(canonical)}`;
    const signature = crypto.createHmac('sha256', this.signingKey(day, creds.secretAccessKey)).update(toSign).digest('hex');
    const out: Record<string, string> = {
      ...headers, 'content-length': values['content-length']!, host: this.target.host, 'x-amz-content-sha256': payloadHash, 'x-amz-date': longDate,
    };
    if (token !== undefined) out['x-amz-security-token'] = token;
    out.authorization = `${ALGORITHM} Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${plan.signed}, Signature=${signature}`;
    return out;
  }

  private longDate(ms: number): string {
    const second = Math.floor(ms / 1000);
    if (second !== this.clock.second) this.clock = { second, longDate: new Date(second * 1000).toISOString().replace(/[-:]|\.\d{3}/g, '') };
    return this.clock.longDate;
  }

  private planFor(headers: Readonly<Record<string, string>>, withToken: boolean): HeaderPlan {
    if (this.plan?.headers === headers && this.plan.withToken === withToken) return this.plan;
    const fixed: Record<string, string> = { ...headers, host: this.target.host };
    const names = new Set([...Object.keys(fixed), 'content-length', 'x-amz-content-sha256', 'x-amz-date', ...(withToken ? ['x-amz-security-token'] : [])]);
    const sorted = [...names].sort();
    const parts = sorted.map((name) => isPerCall(name) ? name : `${name}:${canonicalValue(fixed[name])}\n`);
    this.plan = { headers, withToken, parts, signed: sorted.join(';') };
    return this.plan;
  }

  /** HMAC chain of the day, region and service; kept until the day or the secret changes. */
  private signingKey(day: string, secret: string): Buffer {
    if (this.key?.day === day && this.key.secret === secret) return this.key.bytes;
    let bytes = crypto.createHmac('sha256', `AWS4${secret}`).update(day).digest();
    for (const part of [this.target.region, this.target.service, 'aws4_request']) bytes = crypto.createHmac('sha256', bytes).update(part).digest();
    this.key = { day, secret, bytes };
    return bytes;
  }
}

/** A header value as SigV4 signs it: trimmed, inner runs of spaces as one. */
function canonicalValue(value: string): string {
  return value.trim().replace(/\s+/g, ' ');
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
