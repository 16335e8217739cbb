// The soak's pipeline process: runs a Pipeline from a JSON options file until SIGTERM, and reads
// fault drills on stdin, one a line, answering each with one JSON line on stdout:
//   kill-actor <shardId>   pipeline.killShardActor
//   kill-host <index>      pipeline.killHostThread
//   kill-emitter <index>   terminates emitter thread <index> (the Pipeline has no drill for it)
//   stats                  pipeline.stats()
// Emitter threads are found by tracking the Worker objects this process creates: the Worker class
// of node:worker_threads is replaced by a subclass that remembers each thread's script, before the
// library is loaded. Nothing in the library is changed for it.
import { readFile } from 'node:fs/promises';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { createInterface } from 'node:readline';
import type { Worker as WorkerType, WorkerOptions } from 'node:worker_threads';

type WorkerModule = { Worker: new (file: string | URL, options?: WorkerOptions) => WorkerType };

const threads: Array<{ script: string; worker: WorkerType }> = [];
const workerThreads = createRequire(import.meta.url)('node:worker_threads') as WorkerModule;
const Original = workerThreads.Worker;
class TrackedWorker extends Original {
  constructor(file: string | URL, options?: WorkerOptions) {
    super(file, options);
    const entry = { script: String(file), worker: this as WorkerType };
    threads.push(entry);
    this.once('exit', () => threads.splice(threads.indexOf(entry), 1));
  }
}
workerThreads.Worker = TrackedWorker;
syncBuiltinESMExports();

const { Pipeline, createConsoleLogger } = await import('../../src/index.js');
type Options = ConstructorParameters<typeof Pipeline>[0];

const options = JSON.parse(await readFile(process.argv[2], 'utf8')) as Options;
const pipeline = new Pipeline(options, { logger: createConsoleLogger(options.logLevel ?? 'warn') });
await pipeline.start();
const answer = (value: object) => process.stdout.write(JSON.stringify(value) + '\n');
answer({ started: true });

async function killEmitter(index: number): Promise<void> {
  const emitters = threads.filter((t) => t.script.endsWith('emitter-thread.js'));
  // Emitter threads are spawned in index order and a replacement takes its predecessor's place
  // in time; the n-th live one is emitter n when none is being replaced.
  const target = emitters[index];
  if (!target) throw new Error(`no live emitter thread ${index} (${emitters.length} live)`);
  await target.worker.terminate();
}

async function drill(line: string): Promise<void> {
  const [command, arg] = line.trim().split(/\s+/);
  switch (command) {
    case 'kill-actor': return pipeline.killShardActor(arg, 'killed by the soak');
    case 'kill-host': return pipeline.killHostThread(Number(arg));
    case 'kill-emitter': return killEmitter(Number(arg));
    case 'stats': return;
    default: throw new Error(`unknown drill ${JSON.stringify(line)}`);
  }
}

createInterface({ input: process.stdin }).on('line', (line) => {
  drill(line).then(() => answer({ ok: true, stats: pipeline.stats() }), (err: Error) => answer({ ok: false, error: err.message }));
});

let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  void pipeline.stop().then((stats) => {
    answer({ stopped: true, stats });
    process.exit(0);
  });
});
