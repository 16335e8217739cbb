/**
 * The endpoints of one pipeline, on node:http: `/metrics` (Prometheus text), `/healthz`, `/readyz`,
 * `/status.json` and `/`, the live status page. Bound to 127.0.0.1 unless `http.host` says otherwise.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Metrics } from './metrics.js';
import type { TelemetrySource } from './snapshot.js';
import { readiness, StatusSampler, type ReadinessRules } from './status.js';
import { STATUS_PAGE } from './status-page.js';

export interface HttpOptions extends ReadinessRules {
  port: number;
  host: string;
}

export class StatusServer {
  private readonly server: Server;
  private readonly sampler = new StatusSampler();
  private timer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  /** `http://host:port`, once listening. */
  url: string | undefined;

  constructor(private readonly source: TelemetrySource, readonly metrics: Metrics, private readonly options: HttpOptions) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) send(res, 500, 'text/plain', `${(err as Error).message}\n`);
      });
    });
  }

  /** Listens; resolves with the URL. */
  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const { address, port } = this.server.address() as AddressInfo;
    this.url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
    this.metrics.watchMainLoop();
    this.sampler.sample(this.source.snapshot());
    this.timer = setInterval(() => this.sampler.sample(this.source.snapshot()), 1000);
    this.timer.unref();
    return this.url;
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      clearInterval(this.timer);
      this.metrics.close();
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n');
    const snapshot = this.source.snapshot();
    switch (path) {
      case '/metrics':
        return send(res, 200, this.metrics.contentType, await this.metrics.text(snapshot));
      case '/healthz': {
        // Answering at all means the main thread's event loop turns.
        const ok = !snapshot.stopped;
        return send(res, ok ? 200 : 503, 'text/plain', ok ? 'ok\n' : 'stopped\n');
      }
      case '/readyz': {
        const r = readiness(snapshot, this.options);
        return send(res, r.ready ? 200 : 503, 'application/json', `${JSON.stringify(r)}\n`);
      }
      case '/status.json':
        return send(res, 200, 'application/json', JSON.stringify(this.sampler.status(snapshot, readiness(snapshot, this.options))));
      case '/':
        return send(res, 200, 'text/html; charset=utf-8', STATUS_PAGE);
      default:
        return send(res, 404, 'text/plain', 'not found\n');
    }
  }
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}
