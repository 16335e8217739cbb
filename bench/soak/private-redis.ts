// A Redis of the soak's own on a free loopback port (never the machine's), without background
// saves or an append-only file. A restart stops it with SHUTDOWN SAVE, so the checkpoints survive
// into its private folder as they would on a Redis with persistence, and starts it again on the
// same port after a pause: an outage, with commits failing until it is back.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export class PrivateRedis {
  private process: ChildProcess | undefined;

  private constructor(readonly port: number, private readonly dir: string) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(dir: string): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort(), dir);
    await redis.launch();
    return redis;
  }

  private async launch(): Promise<void> {
    const proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--dir', this.dir, '--dbfilename', 'soak.rdb'], { stdio: 'ignore' });
    this.process = proc;
    const deadline = Date.now() + 10_000;
    while (!await this.ping()) {
      if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server did not start on port ${this.port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async ping(): Promise<boolean> {
    const r = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on('error', () => undefined);
    try {
      await r.connect();
      return (await r.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      r.disconnect();
    }
  }

  /** Stops Redis (saving its data), waits `downMs`, starts it again on the same port. */
  async restart(downMs: number): Promise<void> {
    await this.shutdown();
    await new Promise((r) => setTimeout(r, downMs));
    await this.launch();
  }

  async shutdown(): Promise<void> {
    const proc = this.process;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    const r = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on('error', () => undefined);
    try {
      await r.connect();
      await r.call('SHUTDOWN', 'SAVE').catch(() => undefined);
    } catch {
      proc.kill('SIGKILL');
    } finally {
      r.disconnect();
    }
    await exited;
  }

  /** The values of several keys (null when missing). */
  async getAll(keys: string[]): Promise<Array<string | null>> {
    const r = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    r.on('error', () => undefined);
    try {
      await r.connect();
      return await r.mget(...keys);
    } finally {
      r.disconnect();
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
