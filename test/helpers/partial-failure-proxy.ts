// A thin HTTP proxy in front of kinesalite that makes PutRecords fail some entries, the way the
// service does under throttling: the call succeeds (HTTP 200), FailedRecordCount > 0, and the failed
// entries carry an ErrorCode in their result. Failed entries are not stored: the proxy forwards a
// request holding only the entries that succeed, then answers with the results of all entries in
// their original order. Every other call is forwarded untouched.
import { createServer, type Server } from 'node:http';
import { forward, readBody } from './http-forward.js';

export interface ProxiedEntry {
  partitionKey: string;
  data: Buffer;
}

export interface PutRecordsCall {
  /** The entries of the call, in order. */
  entries: ProxiedEntry[];
  /** Indexes (into `entries`) of the entries the proxy failed. */
  failed: number[];
}

export interface PartialFailureProxy {
  endpoint: string;
  /** Every PutRecords call seen, in arrival order. */
  calls: PutRecordsCall[];
  /** Entries failed in all. */
  failedCount(): number;
  close(): Promise<void>;
}

export type FailRule = (entry: ProxiedEntry, callNo: number, index: number) => boolean;

export const FAIL_CODE = 'ProvisionedThroughputExceededException';

/** Fails each PutRecords entry for which `rule(entry, callNo, index)` is true (callNo counts PutRecords calls from 0). */
export async function startPartialFailureProxy(target: string, rule: FailRule): Promise<PartialFailureProxy> {
  const upstream = new URL(target);
  const calls: PutRecordsCall[] = [];
  const server: Server = createServer((req, res) => {
    const op = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
    readBody(req).then(async (body) => {
      if (op !== 'PutRecords') {
        const up = await forward(upstream, req.method ?? 'POST', req.url ?? '/', req.headers, body);
        res.writeHead(up.status, up.headers);
        res.end(up.body);
        return;
      }
      const input = JSON.parse(body.toString('utf8')) as { StreamName: string; Records: Array<{ Data: string; PartitionKey: string }> };
      const callNo = calls.length;
      const entries = input.Records.map((r) => ({ partitionKey: r.PartitionKey, data: Buffer.from(r.Data, 'base64') }));
      const failed = entries.flatMap((e, i) => (rule(e, callNo, i) ? [i] : []));
      calls.push({ entries, failed });
      const failedSet = new Set(failed);
      const kept = input.Records.filter((_, i) => !failedSet.has(i));

      let stored: Array<Record<string, unknown>> = [];
      if (kept.length > 0) {
        const up = await forward(upstream, req.method ?? 'POST', req.url ?? '/', req.headers,
          Buffer.from(JSON.stringify({ ...input, Records: kept })));
        if (up.status !== 200) {
          // An error for the whole call (such as a missing stream) goes back as it came.
          res.writeHead(up.status, up.headers);
          res.end(up.body);
          return;
        }
        stored = (JSON.parse(up.body.toString('utf8')) as { Records: Array<Record<string, unknown>> }).Records;
      }
      let next = 0;
      const results = input.Records.map((_, i) => (failedSet.has(i)
        ? { ErrorCode: FAIL_CODE, ErrorMessage: `Rate exceeded for shard in stream ${input.StreamName} (test proxy).` }
        : stored[next++]));
      const out = Buffer.from(JSON.stringify({ FailedRecordCount: failed.length, Records: results }));
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'content-length': String(out.byteLength), 'x-amzn-requestid': `proxy-${callNo}` });
      res.end(out);
    }).catch((err: unknown) => res.destroy(err as Error));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    failedCount: () => calls.reduce((n, c) => n + c.failed.length, 0),
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
