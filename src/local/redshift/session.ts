// One client session of the local Redshift stand-in: the client's socket and its own backend
// connection to PostgreSQL (see local-redshift.ts for what passes through and what is intercepted).
import type { S3Client } from '@aws-sdk/client-s3';
import { connect, type Socket } from 'node:net';
// Types only: pg-gateway (an optional peer dependency) is imported when the stand-in starts.
import type { PostgresConnection, State } from 'pg-gateway';
import { fileRows, readJsonPaths, readSources, type SourceFile } from './copy-sources.js';
import { quoteIdent, quoteLiteral } from '../../emitters/sql.js';
import { CopyError, checkName, isRedshiftCopy, parseRedshiftCopy, type CopyRecord, type RedshiftCopy } from './copy-statement.js';
import { MSG, MessageFramer, copyTextField, frontendMessage, parseDataRow } from './pg-wire.js';

type TxStatus = 'I' | 'T' | 'E';

interface QueryResult {
  rows: Array<Array<string | null>>;
  /** The backend's CommandComplete message, raw. */
  complete?: Buffer;
  /** The backend's ErrorResponse message, raw. */
  error?: Buffer;
}

/** What the session uses of pg-gateway, passed in by the server that imported it. */
export type Gateway = Pick<typeof import('pg-gateway'), 'PostgresConnection' | 'createStartupMessage'>;

/** Proxies one client connection; created by the stand-in's server for every accepted socket. */
export class Session {
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

  constructor(private readonly pg: Gateway, private readonly client: Socket, private readonly backendAddress: { host: string; port: number },
    private readonly s3: S3Client, private readonly copies: CopyRecord[]) {
    client.setNoDelay(true);
    client.on('error', () => this.destroy());
    client.on('close', () => this.destroy());
    this.gateway = new pg.PostgresConnection(client, {
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
      backend.write(this.pg.createStartupMessage(info));
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
    try {
      for (const c of columns) checkName(c.name);
    } catch (err) {
      return this.fail((err as CopyError).code, (err as Error).message);
    }

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
