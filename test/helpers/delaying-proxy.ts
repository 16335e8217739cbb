// A thin HTTP proxy in front of kinesalite that holds every GetRecords answer for `delayMs` before
// sending it on (a slow or far-away Kinesis), and can replace its MillisBehindLatest (a consumer that
// is behind the tip). Both settings may be changed while it runs. Every other call is forwarded
// untouched and at once.
import { createServer, type Server } from 'node:http';
import { forward, readBody, rewriteAnswer, type Answer } from './http-forward.js';

export interface DelayingProxy {
  endpoint: string;
  /** How long each GetRecords answer is held, ms. */
  delayMs: number;
  /** When set, every GetRecords answer carries this MillisBehindLatest instead of the real one. */
  millisBehindLatest: number | undefined;
  /** GetRecords calls received so far. */
  readonly getRecordsCalls: number;
  /** GetRecords calls received and not yet answered. */
  readonly getRecordsInFlight: number;
  close(): Promise<void>;
}

/** The answer (JSON or CBOR) with its MillisBehindLatest replaced (successful answers only). */
function withBehind(answer: Answer, millis: number): Answer {
  return answer.status === 200 ? rewriteAnswer(answer, (out) => ({ ...out, MillisBehindLatest: millis })) : answer;
}

export async function startDelayingProxy(target: string, settings: { delayMs: number; millisBehindLatest?: number }): Promise<DelayingProxy> {
  const upstream = new URL(target);
  let calls = 0;
  let inFlight = 0;
  const server: Server = createServer((req, res) => {
    const op = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
    const held = op === 'GetRecords';
    if (held) {
      calls++;
      inFlight++;
    }
    readBody(req).then(async (body) => {
      let answer = await forward(upstream, req.method ?? 'POST', req.url ?? '/', req.headers, body);
      if (held) {
        await new Promise((r) => setTimeout(r, proxy.delayMs));
        if (proxy.millisBehindLatest !== undefined) answer = withBehind(answer, proxy.millisBehindLatest);
      }
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    }).catch((err: unknown) => res.destroy(err as Error)).finally(() => {
      if (held) inFlight--;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const proxy: DelayingProxy = {
    endpoint: `http://127.0.0.1:${port}`,
    delayMs: settings.delayMs,
    millisBehindLatest: settings.millisBehindLatest,
    get getRecordsCalls() { return calls; },
    get getRecordsInFlight() { return inFlight; },
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
  return proxy;
}
