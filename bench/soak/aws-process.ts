// The runner's handle on the emulators' process (emulators-main.ts). Closing its stdin stops it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const SCRIPT = new URL('./emulators-main.js', import.meta.url).pathname;

export interface AwsProcess {
  kinesis: string;
  s3: string;
  bucket: string;
  close(): Promise<void>;
}

/** Starts the emulators; the embedded S3 keeps its objects under `s3Directory`. */
export async function startAwsProcess(s3Directory: string): Promise<AwsProcess> {
  const child: ChildProcess = spawn(process.execPath, [SCRIPT, s3Directory], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const first = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => { lines.close(); resolve(line); });
    child.once('exit', (code) => reject(new Error(`the emulator process exited (${code}) before it started`)));
  });
  const endpoints = JSON.parse(first) as { kinesis: string; s3: string; bucket: string };
  return {
    ...endpoints,
    async close() {
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
