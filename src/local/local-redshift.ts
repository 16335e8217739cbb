// A local stand-in for Amazon Redshift, for development and tests: a small PostgreSQL wire-protocol
// proxy on 127.0.0.1 (a free port unless one is given) in front of a real PostgreSQL.
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
import type { S3Client } from '@aws-sdk/client-s3';
import { createServer } from 'node:net';
import { LOOPBACK, listenOnLoopback } from './listen.js';
import { importOptionalPeer } from './optional-peer.js';
import type { CopyRecord } from './redshift/copy-statement.js';
import { Session, type Gateway } from './redshift/session.js';

export type { CopyRecord } from './redshift/copy-statement.js';

/** The PostgreSQL the stand-in fronts unless told otherwise: `$DATABASE_URL`, or the tests' default. */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface LocalRedshiftOptions {
  /** Client of the S3 that COPY reads from. */
  s3Client: S3Client;
  /** Connection string of the PostgreSQL behind the stand-in. @defaultValue DATABASE_URL */
  database?: string;
  /** Port on 127.0.0.1 to listen on. @defaultValue a free port */
  port?: number;
}

/** A running local Redshift stand-in. */
export interface LocalRedshift {
  /** Connects to the stand-in: the backend's connection string with host and port replaced. */
  connectionString: string;
  port: number;
  /** Every COPY from S3 that has completed, in order. */
  copies: CopyRecord[];
  close(): Promise<void>;
}

/**
 * Starts the stand-in on 127.0.0.1. It needs the optional peer dependency pg-gateway and a
 * PostgreSQL at `options.database`; it connects there once per client session.
 */
export async function startLocalRedshift(options: LocalRedshiftOptions): Promise<LocalRedshift> {
  const gateway = await importOptionalPeer<Gateway>('pg-gateway');
  const backendUrl = new URL(options.database ?? DATABASE_URL);
  const backend = { host: backendUrl.hostname || '127.0.0.1', port: Number(backendUrl.port || 5432) };
  const copies: CopyRecord[] = [];
  const sessions = new Set<Session>();
  const server = createServer((socket) => {
    const session = new Session(gateway, socket, backend, options.s3Client, copies);
    sessions.add(session);
    socket.once('close', () => sessions.delete(session));
  });
  const port = await listenOnLoopback(server, options.port ?? 0, 'the local Redshift stand-in');
  const url = new URL(backendUrl.href);
  url.hostname = LOOPBACK;
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
