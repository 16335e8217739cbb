/**
 * SIGINT/SIGTERM for `kinesis-connectors run`, handled from the moment the command starts, so a
 * signal during the start-up stops what has started and exits 0 like one later on. A second signal
 * exits at once with code 130.
 */
export class ShutdownSignals {
  private count = 0;
  private resolveReceived: (signal: NodeJS.Signals) => void = () => {};
  /** Resolves with the first signal. */
  readonly received = new Promise<NodeJS.Signals>((resolve) => { this.resolveReceived = resolve; });

  /**
   * Installs the handlers; `exit` ends the process (on a second signal); `notify` tells of each
   * signal (by default a `kinesis-connectors: …` line on stderr).
   */
  constructor(private readonly exit: (code: number) => never,
    private readonly notify: (level: 'info' | 'warn', signal: NodeJS.Signals, text: string) => void = plainNotice) {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  /** Whether a signal has arrived. */
  get signalled(): boolean {
    return this.count > 0;
  }

  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.count++;
    if (this.count > 1) {
      this.notify('warn', signal, `second ${signal}; exiting now without draining`);
      this.exit(130);
    }
    this.notify('info', signal, `${signal} received; draining (send again to exit at once)`);
    this.resolveReceived(signal);
  };
}

function plainNotice(_level: 'info' | 'warn', _signal: NodeJS.Signals, text: string): void {
  process.stderr.write(`kinesis-connectors: ${text}\n`);
}
