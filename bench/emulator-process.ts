// The parent's side of local-aws.ts: starts the embedded Kinesis and S3 in a process of their own,
// asks it for its CPU time, stops it; and fills a stream with records as fast as the emulator takes them.
import { ListShardsCommand, PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry, type Shard } from '@aws-sdk/client-kinesis';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface Endpoints { kinesis: string; s3: string; bucket: string }

export interface Servers {
  endpoints: Endpoints;
  cpuSeconds(): Promise<number>;
  /** Its CPU seconds so far and the Kinesis requests it has answered, by operation. */
  usage(): Promise<{ cpuSeconds: number; requests: Record<string, number> }>;
  stop(): Promise<void>;
}

export async function startServers(): Promise<Servers> {
  const child = spawn(process.execPath, [new URL('./local-aws.js', import.meta.url).pathname], {
    stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const lines = createInterface({ input: child.stdout });
  let exited: Error | undefined;
  const waiting = new Set<(err: Error) => void>();
  child.once('exit', (code) => {
    exited = new Error(`the embedded AWS process exited (${code})`);
    for (const reject of waiting) reject(exited);
  });
  const nextLine = () => new Promise<string>((resolve, reject) => {
    if (exited) return reject(exited);
    waiting.add(reject);
    lines.once('line', (l) => {
      waiting.delete(reject);
      resolve(l);
    });
  });
  const line = await nextLine();
  const usage = async () => {
    const answer = nextLine();
    child.stdin.write('cpu\n');
    const u = JSON.parse(await answer) as { cpuMs: number; requests: Record<string, number> };
    return { cpuSeconds: u.cpuMs / 1000, requests: u.requests };
  };
  return {
    endpoints: JSON.parse(line) as Endpoints,
    usage,
    async cpuSeconds() {
      return (await usage()).cpuSeconds;
    },
    stop: () => new Promise((resolve) => {
      if (exited) return resolve();
      child.once('exit', () => resolve());
      child.stdin.end();
    }),
  };
}

/** Every shard of a stream, with its hash key range (ListShards pages followed). */
export async function listAllShards(client: KinesisClient, stream: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListShardsCommand(token ? { NextToken: token } : { StreamName: stream }));
    shards.push(...(page.Shards ?? []));
    token = page.NextToken;
  } while (token);
  return shards;
}

/**
 * Puts `records` entries (`entry(i)`) with PutRecords calls of 500, `concurrency` calls at a time,
 * retrying the entries the emulator refuses.
 */
export async function putAll(client: KinesisClient, stream: string, records: number, entry: (i: number) => PutRecordsRequestEntry, concurrency = 4): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < records) {
      const start = next;
      next = Math.min(records, start + 500);
      let entries = Array.from({ length: next - start }, (_, k) => entry(start + k));
      while (entries.length > 0) {
        const res = await client.send(new PutRecordsCommand({ StreamName: stream, Records: entries }));
        entries = entries.filter((_, k) => res.Records?.[k]?.ErrorCode);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
