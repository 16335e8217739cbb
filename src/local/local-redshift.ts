// A local stand-in for Amazon Redshift, for tests: a small PostgreSQL wire-protocol proxy on a free
// loopback port in front of the real PostgreSQL.
//
// - Every client session gets its own backend connection, so transactions behave as they do on
//   PostgreSQL (BEGIN ... COPY ... COMMIT run on one backend).
// - pg-gateway serves the start of a session (refusing SSL, reading the startup message) and writes
//   the stand-in's own ErrorResponse and ReadyForQuery messages. After startup the stand-in frames
//   the frontend messages itself (pg-gateway 0.2's reader drops every message after the first when
//   several arrive in one chunk, as they do with the extended protocol) and forwards them raw, in
//   order; every backend message is forwarded raw back. Authentication is the backend's: its
//   requests and the client's answers pass through.
// - One statement is not forwarded: Redshift's `COPY <table> [(cols)] FROM 's3://...' <authorization>
//   [MANIFEST] [[FORMAT [AS]] JSON [AS] 'auto' | 's3://jsonpaths'] [DELIMITER 'c'] [GZIP] [REGION 'r']`
//   sent as a simple Query (the only way a client sends it: it has no parameters). The stand-in reads
//   the objects from the local S3 and loads their rows into the table on the session's backend with
//   PostgreSQL's `COPY ... FROM STDIN`. Its failures come back as an ErrorResponse; inside a
//   transaction they abort the transaction, as on Redshift.
//
// Like Redshift, a FROM without MANIFEST is a key prefix: every object under it is loaded, and a
// prefix that matches nothing is an error. Credentials are parsed but not checked, and are never
// echoed in an error message. A COPY inside a multi-statement query string, or sent with the extended
// protocol, is not intercepted (PostgreSQL then rejects it as a syntax error). Cancel requests are
// not forwarded.
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { connect, createServer, type Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { PostgresConnection, createStartupMessage, type State } from 'pg-gateway';

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface LocalRedshiftOptions {
  /** Client of the S3 that COPY reads from. */
  s3Client: S3Client;
  /** Connection string of the PostgreSQL behind the stand-in. @defaultValue DATABASE_URL */
  database?: string;
}

/** One COPY from S3 that the stand-in ran to completion (whether or not its transaction committed). */
export interface CopyRecord {
  table: string;
  from: string;
  authorization: 'iam_role' | 'access_key' | 'credentials';
  manifest: boolean;
  format: 'json-auto' | 'jsonpaths' | 'delimiter';
  gzip: boolean;
  /** The S3 URLs of the files whose rows were loaded. */
  files: string[];
  rows: number;
}

export interface LocalRedshift {
  /** Connects to the stand-in: the backend's connection string with host and port replaced. */
  connectionString: string;
  port: number;
  /** Every COPY from S3 that has completed, in order. */
  copies: CopyRecord[];
  close(): Promise<void>;
}

export async function startLocalRedshift(options: LocalRedshiftOptions): Promise<LocalRedshift> {
  const backendUrl = new URL(options.database ?? DATABASE_URL);
  const backend = { host: backendUrl.hostname || '127.0.0.1', port: Number(backendUrl.port || 5432) };
  const copies: CopyRecord[] = [];
  const sessions = new Set<Session>();
  const server = createServer((socket) => {
    const session = new Session(socket, backend, options.s3Client, copies);
    sessions.add(session);
    socket.once('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  const url = new URL(backendUrl.href);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  let closing: Promise<void> | undefined;
  return {
    connectionString: url.href,
    port,
    copies,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sessions) s.destroy();
      });
      return closing;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Sessions: one client socket, one backend socket.

const MSG = {
  query: 0x51, // Q
  sync: 0x53, // S
  functionCall: 0x46, // F
  terminate: 0x58, // X
  readyForQuery: 0x5a, // Z
  errorResponse: 0x45, // E
  commandComplete: 0x43, // C
  dataRow: 0x44, // D
  copyInResponse: 0x47, // G
  notification: 0x41, // A
  parameterStatus: 0x53, // S (backend)
} as const;

type TxStatus = 'I' | 'T' | 'E';

interface QueryResult {
  rows: Array<Array<string | null>>;
  /** The backend's CommandComplete message, raw. */
  complete?: Buffer;
  /** The backend's ErrorResponse message, raw. */
  error?: Buffer;
}

class Session {
  private readonly gateway: PostgresConnection;
  private backend?: Socket;
  private readonly fromBackend = new MessageFramer();
  private readonly fromClient = new MessageFramer();
  /** Frontend messages waiting to be handled, in arrival order. */
  private readonly queue: Buffer[] = [];
  private draining = false;
  /** ReadyForQuery messages the backend still owes for what was forwarded (the first is the startup's). */
  private owedReady = 1;
  private readonly idleWaiters: Array<() => void> = [];
  /** While the stand-in runs its own statements, backend messages go here instead of to the client. */
  private capture: ((msg: Buffer) => void) | null = null;
  private captureFailed: ((err: Error) => void) | null = null;
  private txStatus: TxStatus = 'I';
  private closed = false;

  constructor(private readonly client: Socket, private readonly backendAddress: { host: string; port: number },
    private readonly s3: S3Client, private readonly copies: CopyRecord[]) {
    client.setNoDelay(true);
    client.on('error', () => this.destroy());
    client.on('close', () => this.destroy());
    this.gateway = new PostgresConnection(client, {
      authMode: 'none',
      onStartup: (state) => this.startup(state),
    });
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.destroy();
    this.backend?.destroy();
    this.captureFailed?.(new Error('session closed'));
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private async startup(state: State): Promise<boolean> {
    const info = state.clientInfo!;
    // From here on the stand-in reads the client's messages itself.
    this.gateway.detach();
    this.client.on('data', (chunk: Buffer) => {
      this.queue.push(...this.fromClient.push(chunk));
      void this.drain();
    });
    try {
      const backend = connect(this.backendAddress);
      await new Promise<void>((resolve, reject) => {
        backend.once('connect', () => resolve());
        backend.once('error', reject);
      });
      backend.setNoDelay(true);
      this.backend = backend;
      backend.on('data', (chunk: Buffer) => this.onBackendData(chunk));
      backend.on('error', () => this.destroy());
      backend.on('close', () => this.destroy());
      backend.write(createStartupMessage(info));
    } catch (err) {
      this.gateway.sendError({ severity: 'FATAL', code: '08006', message: `the local Redshift stand-in could not reach PostgreSQL: ${(err as Error).message}` });
      this.client.end();
    }
    return true;
  }

  private onBackendData(chunk: Buffer): void {
    const toClient: Buffer[] = [];
    for (const msg of this.fromBackend.push(chunk)) {
      if (this.capture) {
        this.capture(msg);
        continue;
      }
      toClient.push(msg);
      if (msg[0] === MSG.readyForQuery) {
        this.txStatus = String.fromCharCode(msg[5]) as TxStatus;
        this.owedReady = Math.max(0, this.owedReady - 1);
        if (this.owedReady === 0) for (const w of this.idleWaiters.splice(0)) w();
      }
    }
    if (toClient.length > 0) this.client.write(toClient.length === 1 ? toClient[0] : Buffer.concat(toClient));
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0 && !this.closed) await this.handleFrontend(this.queue.shift()!);
    } catch {
      this.destroy();
    } finally {
      this.draining = false;
    }
  }

  private async handleFrontend(msg: Buffer): Promise<void> {
    const type = msg[0];
    if (type === MSG.query) {
      const sql = msg.toString('utf8', 5, msg.length - 1);
      if (isRedshiftCopy(sql)) {
        await this.whenBackendIdle();
        await this.runRedshiftCopy(sql);
        return;
      }
    }
    if (type === MSG.query || type === MSG.sync || type === MSG.functionCall) this.owedReady++;
    this.backend!.write(msg);
  }

  private whenBackendIdle(): Promise<void> {
    if (this.owedReady === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Runs one simple query of the stand-in's own on the backend; its messages do not reach the client. */
  private ownQuery(sql: string, copyIn?: Buffer): Promise<QueryResult> {
    return new Promise((resolve, reject) => {
      const result: QueryResult = { rows: [] };
      this.captureFailed = reject;
      this.capture = (msg) => {
        switch (msg[0]) {
          case MSG.dataRow: result.rows.push(parseDataRow(msg)); break;
          case MSG.commandComplete: result.complete = Buffer.from(msg); break;
          case MSG.errorResponse: result.error = Buffer.from(msg); break;
          case MSG.copyInResponse: {
            const data = copyIn ?? Buffer.alloc(0);
            for (let at = 0; at < data.length; at += 65_536) this.backend!.write(frontendMessage('d', data.subarray(at, at + 65_536)));
            this.backend!.write(frontendMessage('c', Buffer.alloc(0)));
            break;
          }
          case MSG.notification:
          case MSG.parameterStatus:
            this.client.write(Buffer.from(msg));
            break;
          case MSG.readyForQuery:
            this.txStatus = String.fromCharCode(msg[5]) as TxStatus;
            this.capture = null;
            this.captureFailed = null;
            resolve(result);
            break;
          default: // RowDescription, notices, ...: not the client's business
        }
      };
      this.backend!.write(frontendMessage('Q', Buffer.from(`${sql}\0`, 'utf8')));
    });
  }

  private sendReady(): void {
    this.gateway.sendReadyForQuery(this.txStatus === 'I' ? 'idle' : this.txStatus === 'T' ? 'transaction' : 'error');
  }

  /** Forwards a backend error (and the state it left) to the client. */
  private forwardError(error: Buffer): void {
    this.client.write(error);
    this.sendReady();
  }

  private async fail(code: string, message: string): Promise<void> {
    // A failed COPY aborts the surrounding transaction, as on Redshift.
    if (this.txStatus === 'T') await this.ownQuery(`DO $$BEGIN RAISE EXCEPTION 'COPY from S3 failed'; END$$`);
    this.gateway.sendError({ severity: 'ERROR', code, message });
    this.sendReady();
  }

  private async runRedshiftCopy(sql: string): Promise<void> {
    let copy: RedshiftCopy;
    try {
      copy = parseRedshiftCopy(sql);
    } catch (err) {
      return this.fail(err instanceof CopyError ? err.code : 'XX000', (err as Error).message);
    }
    const table = copy.table.map(quoteIdent).join('.');
    const described = await this.ownQuery(
      `SELECT a.attname, t.typcategory FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid `
      + `WHERE a.attrelid = ${quoteLiteral(table)}::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`);
    if (described.error) return this.forwardError(described.error);
    const tableColumns = described.rows.map(([name, category]) => ({ name: name!, text: category === 'S' }));
    // An unknown column in the list is left for PostgreSQL's COPY to reject.
    const columns = copy.columns?.map((name) => tableColumns.find((c) => c.name === name) ?? { name, text: true }) ?? tableColumns;

    let files: SourceFile[];
    let rows: Array<Array<string | null>>;
    try {
      files = await readSources(this.s3, copy);
      const jsonPaths = copy.format.kind === 'jsonpaths' ? await readJsonPaths(this.s3, copy.format.url, columns.length) : undefined;
      rows = files.flatMap((f) => fileRows(f, copy, columns, jsonPaths));
    } catch (err) {
      if (err instanceof CopyError) return this.fail(err.code, err.message);
      return this.fail('XX000', `COPY from ${copy.from} failed: ${(err as Error).message}`);
    }

    const loaded = await this.ownQuery(`COPY ${table} (${columns.map((c) => quoteIdent(c.name)).join(', ')}) FROM STDIN`,
      Buffer.from(rows.map((r) => r.map(copyTextField).join('\t') + '\n').join(''), 'utf8'));
    if (loaded.error) return this.forwardError(loaded.error);
    this.copies.push({
      table: copy.table.join('.'), from: copy.from, authorization: copy.authorization, manifest: copy.manifest,
      format: copy.format.kind, gzip: copy.gzip, files: files.map((f) => f.url), rows: rows.length,
    });
    this.client.write(loaded.complete!);
    this.sendReady();
  }
}

/** Splits a byte stream into protocol messages (a type byte, then an int32 length that counts itself). */
class MessageFramer {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const messages: Buffer[] = [];
    let at = 0;
    while (this.pending.length - at >= 5) {
      const end = at + 1 + this.pending.readUInt32BE(at + 1);
      if (this.pending.length < end) break;
      messages.push(this.pending.subarray(at, end));
      at = end;
    }
    this.pending = this.pending.subarray(at);
    return messages;
  }
}

function frontendMessage(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeUInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function parseDataRow(msg: Buffer): Array<string | null> {
  const n = msg.readUInt16BE(5);
  const values: Array<string | null> = [];
  let at = 7;
  for (let i = 0; i < n; i++) {
    const len = msg.readInt32BE(at);
    at += 4;
    if (len < 0) values.push(null);
    else {
      values.push(msg.toString('utf8', at, at + len));
      at += len;
    }
  }
  return values;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A field of PostgreSQL's COPY text format. */
function copyTextField(value: string | null): string {
  if (value === null) return '\\N';
  return value.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);
}

// ---------------------------------------------------------------------------------------------
// The COPY statement.

/** A COPY failure with its SQLSTATE. Messages never contain a string literal of the statement. */
class CopyError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

interface RedshiftCopy {
  /** Name parts, unquoted names folded to lower case. */
  table: string[];
  columns?: string[];
  from: string;
  authorization: CopyRecord['authorization'];
  manifest: boolean;
  format: { kind: 'json-auto' } | { kind: 'jsonpaths'; url: string } | { kind: 'delimiter'; delimiter: string };
  gzip: boolean;
  region?: string;
}

function isRedshiftCopy(sql: string): boolean {
  return /^\s*copy\b/i.test(sql) && /\bfrom\s+'s3:\/\//i.test(sql);
}

type Token = { kind: 'word' | 'ident' | 'string' | 'punct'; value: string };

function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (/\s/.test(c)) { i++; continue; }
    if (sql.startsWith('--', i)) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
      continue;
    }
    if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) throw new CopyError('42601', 'unterminated comment in COPY');
      i = end + 2;
      continue;
    }
    if (c === "'" || c === '"') {
      let value = '';
      let j = i + 1;
      for (;;) {
        const k = sql.indexOf(c, j);
        if (k < 0) throw new CopyError('42601', `unterminated ${c === "'" ? 'string literal' : 'quoted identifier'} in COPY`);
        value += sql.slice(j, k);
        if (sql[k + 1] === c) {
          value += c;
          j = k + 2;
        } else {
          j = k + 1;
          break;
        }
      }
      tokens.push({ kind: c === "'" ? 'string' : 'ident', value });
      i = j;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(i, i + 200));
    if (word) {
      tokens.push({ kind: 'word', value: word[0] });
      i += word[0].length;
      continue;
    }
    tokens.push({ kind: 'punct', value: c });
    i++;
  }
  return tokens;
}

function describeToken(t: Token | undefined): string {
  if (!t) return 'the end of the statement';
  if (t.kind === 'string') return 'a string literal';
  return `"${t.value}"`;
}

function parseRedshiftCopy(sql: string): RedshiftCopy {
  const tokens = tokenize(sql);
  let at = 0;
  const peek = () => tokens[at];
  const syntax = (what: string) => new CopyError('42601', `syntax error in COPY: expected ${what}, got ${describeToken(peek())}`);
  const isWord = (t: Token | undefined, w: string) => t?.kind === 'word' && t.value.toUpperCase() === w;
  const isPunct = (t: Token | undefined, p: string) => t?.kind === 'punct' && t.value === p;
  const acceptWord = (w: string) => (isWord(peek(), w) ? (at++, true) : false);
  const expectString = (what: string) => {
    const t = peek();
    if (t?.kind !== 'string') throw syntax(what);
    at++;
    return t.value;
  };
  const name = () => {
    const t = peek();
    if (t?.kind === 'word') { at++; return t.value.toLowerCase(); }
    if (t?.kind === 'ident') { at++; return t.value; }
    throw syntax('a name');
  };

  if (!acceptWord('COPY')) throw syntax('COPY');
  const table = [name()];
  while (isPunct(peek(), '.')) { at++; table.push(name()); }
  let columns: string[] | undefined;
  if (isPunct(peek(), '(')) {
    at++;
    columns = [name()];
    while (isPunct(peek(), ',')) { at++; columns.push(name()); }
    if (!isPunct(peek(), ')')) throw syntax('")"');
    at++;
  }
  if (!acceptWord('FROM')) throw syntax('FROM');
  const from = expectString("the S3 URL ('s3://bucket/key')");

  const auth: { iamRole?: string; accessKeyId?: string; secretAccessKey?: string; credentials?: string } = {};
  let manifest = false;
  let gzip = false;
  let region: string | undefined;
  let format: RedshiftCopy['format'] | undefined;
  const jsonArgument = (): RedshiftCopy['format'] => {
    acceptWord('AS');
    const arg = expectString("'auto' or the S3 URL of a jsonpaths file after JSON");
    if (arg.toLowerCase() === 'auto' || arg.toLowerCase() === 'auto ignorecase') return { kind: 'json-auto' };
    if (arg.startsWith('s3://')) return { kind: 'jsonpaths', url: arg };
    throw new CopyError('0A000', "the local Redshift stand-in supports JSON 'auto' and JSON 's3://jsonpaths-file' only");
  };
  const setFormat = (f: RedshiftCopy['format']) => {
    if (format) throw new CopyError('42601', 'COPY takes only one data format (JSON or DELIMITER)');
    format = f;
  };
  while (at < tokens.length) {
    const t = peek();
    if (isPunct(t, ';')) {
      at++;
      if (at < tokens.length) throw new CopyError('0A000', 'the local Redshift stand-in runs a COPY from S3 only as a statement of its own');
      break;
    }
    if (t.kind !== 'word') throw syntax('a COPY option');
    at++;
    switch (t.value.toUpperCase()) {
      case 'IAM_ROLE': auth.iamRole = expectString('the role ARN after IAM_ROLE'); break;
      case 'ACCESS_KEY_ID': auth.accessKeyId = expectString('the key after ACCESS_KEY_ID'); break;
      case 'SECRET_ACCESS_KEY': auth.secretAccessKey = expectString('the key after SECRET_ACCESS_KEY'); break;
      case 'SESSION_TOKEN': expectString('the token after SESSION_TOKEN'); break;
      case 'CREDENTIALS': acceptWord('AS'); auth.credentials = expectString('the credentials string after CREDENTIALS'); break;
      case 'MANIFEST': manifest = true; break;
      case 'GZIP': gzip = true; break;
      case 'REGION': acceptWord('AS'); region = expectString('the region after REGION'); break;
      case 'FORMAT':
        acceptWord('AS');
        if (!acceptWord('JSON')) throw new CopyError('0A000', `the local Redshift stand-in supports FORMAT JSON only, got ${describeToken(peek())}`);
        setFormat(jsonArgument());
        break;
      case 'JSON':
        setFormat(jsonArgument());
        break;
      case 'DELIMITER': {
        acceptWord('AS');
        const delimiter = expectString('the delimiter after DELIMITER');
        if ([...delimiter].length !== 1) throw new CopyError('22023', 'COPY delimiter must be a single character');
        setFormat({ kind: 'delimiter', delimiter });
        break;
      }
      default:
        throw new CopyError('0A000', `the local Redshift stand-in does not support the COPY option ${t.value.toUpperCase()}`);
    }
  }

  const kinds = [auth.iamRole !== undefined, auth.accessKeyId !== undefined || auth.secretAccessKey !== undefined, auth.credentials !== undefined]
    .filter(Boolean).length;
  if (kinds === 0) throw new CopyError('42601', 'COPY from S3 needs an authorization: IAM_ROLE, ACCESS_KEY_ID and SECRET_ACCESS_KEY, or CREDENTIALS');
  if (kinds > 1) throw new CopyError('42601', 'COPY takes one authorization: IAM_ROLE, ACCESS_KEY_ID and SECRET_ACCESS_KEY, or CREDENTIALS');
  if ((auth.accessKeyId === undefined) !== (auth.secretAccessKey === undefined)) {
    throw new CopyError('42601', 'COPY needs both ACCESS_KEY_ID and SECRET_ACCESS_KEY');
  }
  for (const v of [auth.iamRole, auth.accessKeyId, auth.secretAccessKey, auth.credentials]) {
    if (v === '') throw new CopyError('22023', 'COPY authorization values must not be empty');
  }
  parseS3Url(from);
  return {
    table, columns, from, manifest, gzip, region,
    authorization: auth.iamRole !== undefined ? 'iam_role' : auth.credentials !== undefined ? 'credentials' : 'access_key',
    format: format ?? { kind: 'delimiter', delimiter: '|' }, // Redshift's default: pipe-delimited text
  };
}

// ---------------------------------------------------------------------------------------------
// Reading S3 and turning files into rows.

interface SourceFile {
  url: string;
  text: string;
}

function parseS3Url(url: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(url);
  if (!m) throw new CopyError('22023', `not an S3 URL (s3://bucket/key): ${url}`);
  return { bucket: m[1], key: m[2] };
}

/** The object's bytes, or undefined when it does not exist. */
async function getObject(s3: S3Client, url: string): Promise<Buffer | undefined> {
  const { bucket, key } = parseS3Url(url);
  try {
    const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await res.Body!.transformToByteArray());
  } catch (err) {
    if ((err as { name?: string }).name === 'NoSuchKey') return undefined;
    throw new CopyError('XX000', `S3 GetObject ${url} failed: ${(err as Error).name}: ${(err as Error).message}`);
  }
}

async function readSources(s3: S3Client, copy: RedshiftCopy): Promise<SourceFile[]> {
  const urls: string[] = [];
  const bodies = new Map<string, Buffer>();
  if (copy.manifest) {
    const body = await getObject(s3, copy.from);
    if (!body) throw new CopyError('XX000', `manifest file ${copy.from} does not exist`);
    let entries: Array<{ url?: unknown; mandatory?: unknown }>;
    try {
      entries = (JSON.parse(body.toString('utf8')) as { entries: typeof entries }).entries;
      if (!Array.isArray(entries)) throw new Error('"entries" is not an array');
    } catch (err) {
      throw new CopyError('XX000', `manifest file ${copy.from} is not valid: ${(err as Error).message}`);
    }
    for (const entry of entries) {
      if (typeof entry?.url !== 'string') throw new CopyError('XX000', `manifest file ${copy.from} has an entry without a "url"`);
      const file = await getObject(s3, entry.url);
      if (file) {
        urls.push(entry.url);
        bodies.set(entry.url, file);
      } else if (entry.mandatory === true) {
        throw new CopyError('XX000', `mandatory file ${entry.url} listed in manifest ${copy.from} does not exist`);
      }
    }
  } else {
    // Without MANIFEST the FROM is a key prefix.
    const { bucket, key } = parseS3Url(copy.from);
    let token: string | undefined;
    try {
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, ContinuationToken: token }));
        for (const o of page.Contents ?? []) urls.push(`s3://${bucket}/${o.Key!}`);
        token = page.NextContinuationToken;
      } while (token);
    } catch (err) {
      throw new CopyError('XX000', `S3 ListObjects ${copy.from} failed: ${(err as Error).name}: ${(err as Error).message}`);
    }
    if (urls.length === 0) throw new CopyError('XX000', `the S3 prefix ${copy.from} matches no object`);
    for (const url of urls) {
      const file = await getObject(s3, url);
      if (!file) throw new CopyError('XX000', `file ${url} disappeared while COPY read it`);
      bodies.set(url, file);
    }
  }
  return urls.map((url) => {
    let body = bodies.get(url)!;
    if (copy.gzip) {
      try {
        body = gunzipSync(body);
      } catch {
        throw new CopyError('XX000', `file ${url} is not valid gzip (COPY has GZIP)`);
      }
    }
    return { url, text: body.toString('utf8') };
  });
}

type PathStep = string | number;

async function readJsonPaths(s3: S3Client, url: string, columnCount: number): Promise<PathStep[][]> {
  const body = await getObject(s3, url);
  if (!body) throw new CopyError('XX000', `jsonpaths file ${url} does not exist`);
  let paths: unknown;
  try {
    paths = (JSON.parse(body.toString('utf8')) as { jsonpaths?: unknown }).jsonpaths;
  } catch (err) {
    throw new CopyError('XX000', `jsonpaths file ${url} is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string')) {
    throw new CopyError('XX000', `jsonpaths file ${url} must hold {"jsonpaths": ["$.field", ...]}`);
  }
  if (paths.length !== columnCount) {
    throw new CopyError('XX000', `jsonpaths file ${url} has ${paths.length} paths but the COPY loads ${columnCount} columns`);
  }
  return (paths as string[]).map((p) => parseJsonPath(p, url));
}

/** `$.a.b`, `$['a']["b"]`, `$.a[0]`. */
function parseJsonPath(path: string, file: string): PathStep[] {
  const steps: PathStep[] = [];
  const bad = () => new CopyError('XX000', `jsonpaths file ${file}: invalid path ${path}`);
  if (!path.startsWith('$')) throw bad();
  let i = 1;
  while (i < path.length) {
    if (path[i] === '.') {
      const m = /^[^.[\]]+/.exec(path.slice(i + 1));
      if (!m) throw bad();
      steps.push(m[0]);
      i += 1 + m[0].length;
    } else if (path[i] === '[') {
      const m = /^\[(?:'([^']*)'|"([^"]*)"|(\d+))\]/.exec(path.slice(i));
      if (!m) throw bad();
      steps.push(m[3] !== undefined ? Number(m[3]) : (m[1] ?? m[2]));
      i += m[0].length;
    } else {
      throw bad();
    }
  }
  return steps;
}

function jsonValueText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function fileRows(file: SourceFile, copy: RedshiftCopy, columns: Array<{ name: string; text: boolean }>, jsonPaths?: PathStep[][]): Array<Array<string | null>> {
  const rows: Array<Array<string | null>> = [];
  const lines = file.text.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    const where = `line ${index + 1} of ${file.url}`;
    if (copy.format.kind === 'delimiter') {
      const fields = line.split(copy.format.delimiter);
      if (fields.length < columns.length) throw new CopyError('22P04', `${where}: delimiter not found (${fields.length} fields for ${columns.length} columns)`);
      if (fields.length > columns.length) throw new CopyError('22P04', `${where}: extra column(s) found (${fields.length} fields for ${columns.length} columns)`);
      // As on Redshift, an empty field is NULL except in a character column.
      rows.push(fields.map((f, k) => (f === '\\N' || (f === '' && !columns[k].text) ? null : f)));
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new CopyError('22P04', `${where} is not valid JSON`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new CopyError('22P04', `${where} is not a JSON object`);
    if (jsonPaths) {
      rows.push(jsonPaths.map((steps) => {
        let v: unknown = value;
        for (const step of steps) v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[step] : undefined;
        return jsonValueText(v);
      }));
      return;
    }
    const byName = new Map<string, unknown>();
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const lower = k.toLowerCase();
      if (!byName.has(lower)) byName.set(lower, v);
    }
    rows.push(columns.map((c) => jsonValueText(byName.get(c.name.toLowerCase()))));
  });
  return rows;
}
