// The soak runner's handle on its pipeline process (pipeline-child.ts): start it, send it a drill
// and wait for the answer, SIGKILL it, stop it gracefully. Its stderr (the pipeline's log) is
// appended to a file.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

const CHILD = new URL('./pipeline-child.js', import.meta.url).pathname;

export interface ChildStats {
  restarts: number;
  recordsEmitted: number;
}

interface Answer {
  ok?: boolean;
  error?: string;
  started?: boolean;
  stopped?: boolean;
  stats?: ChildStats;
}

export class PipelineProcess {
  private child: ChildProcess | undefined;
  private readonly waiting: Array<(a: Answer) => void> = [];
  private exited: Promise<number | null> = Promise.resolve(null);
  private readonly log: WriteStream;
  /** Restarts counted by every pipeline process so far (the last answer of each). */
  private restartsBefore = 0;
  private lastStats: ChildStats = { restarts: 0, recordsEmitted: 0 };
  starts = 0;

  constructor(private readonly configFile: string, logFile: string) {
    this.log = createWriteStream(logFile, { flags: 'a' });
  }

  /** Actor restarts seen across every process run (as last reported). */
  get restarts(): number {
    return this.restartsBefore + this.lastStats.restarts;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Starts the process and waits until its pipeline has started. */
  async start(): Promise<void> {
    this.restartsBefore += this.lastStats.restarts;
    this.lastStats = { restarts: 0, recordsEmitted: 0 };
    const child = spawn(process.execPath, [CHILD, this.configFile], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    this.starts++;
    child.stderr.pipe(this.log, { end: false });
    createInterface({ input: child.stdout }).on('line', (line) => {
      let a: Answer;
      try {
        a = JSON.parse(line) as Answer;
      } catch {
        return;
      }
      if (a.stats) this.lastStats = a.stats;
      this.waiting.shift()?.(a);
    });
    this.exited = new Promise((resolve) => child.once('exit', (code) => {
      if (this.child === child) this.child = undefined;
      for (const w of this.waiting.splice(0)) w({ ok: false, error: `pipeline process exited (${code})` });
      resolve(code);
    }));
    const first = await this.next();
    if (!first.started) throw new Error(`the pipeline process did not start: ${first.error ?? JSON.stringify(first)}`);
  }

  private next(): Promise<Answer> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Sends one drill; resolves with its error message, or undefined when it was done. */
  async drill(line: string): Promise<string | undefined> {
    if (!this.child) return 'no pipeline process';
    const answer = this.next();
    this.child.stdin!.write(line + '\n');
    const a = await answer;
    return a.ok ? undefined : a.error ?? 'failed';
  }

  /** SIGKILL: no drain, no final commit. */
  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM: a graceful stop (drain, final commit); resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (!this.child) return null;
    const answer = this.next();
    this.child.kill('SIGTERM');
    await answer;
    const code = await this.exited;
    this.log.end();
    return code;
  }
}
