// Runs the embedded Kinesis and S3 in a process of their own, so that neither side of the e2e
// comparison shares its main thread with them. Prints their endpoints as one JSON line, then
// serves until its stdin closes. A line "cpu" on stdin answers with its CPU time so far, so the
// benchmark can tell how much of the machine the emulators themselves take, and with it how many
// Kinesis requests of each kind (by X-Amz-Target) it has answered so far.
import { Server, type IncomingMessage } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startLocalKinesis, startLocalS3 } from '../src/local/emulators.js';

// Counts Kinesis requests by operation: kinesalite builds its own http.Server and offers no hook, so
// the servers' 'request' events are counted on their way out (a bench-only patch, cheap).
const requests: Record<string, number> = {};
// eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the server as `this`
const emit = Server.prototype.emit;
Server.prototype.emit = function (this: Server, event: string | symbol, ...args: unknown[]): boolean {
  if (event === 'request') {
    const target = (args[0] as IncomingMessage).headers['x-amz-target'];
    if (typeof target === 'string') {
      const op = target.slice(target.indexOf('.') + 1);
      requests[op] = (requests[op] ?? 0) + 1;
    }
  }
  return emit.apply(this, [event, ...args] as Parameters<typeof emit>);
} as typeof emit;

const dir = await mkdtemp(join(tmpdir(), 'kc-bench-s3-'));
const kinesis = await startLocalKinesis();
const s3 = await startLocalS3(dir, ['bench']);
process.stdout.write(JSON.stringify({ kinesis: kinesis.endpoint, s3: s3.endpoint, bucket: 'bench' }) + '\n');
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== 'cpu') return;
  const u = process.cpuUsage();
  process.stdout.write(JSON.stringify({ cpuMs: (u.user + u.system) / 1000, requests }) + '\n');
});
process.stdin.on('end', () => {
  void (async () => {
    await s3.close();
    await kinesis.close();
    await rm(dir, { recursive: true, force: true });
    process.exit(0);
  })();
});
