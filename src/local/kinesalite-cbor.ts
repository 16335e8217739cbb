/**
 * GetRecords in CBOR as Kinesis answers it, in front of kinesalite. kinesalite answers CBOR with
 * record data as base64 text (Kinesis sends a byte string, the point of asking for CBOR), and its
 * CBOR encoder (the `cbor` package 5, `Encoder.encodeOne`) returns only the first part of a value
 * past about 32 KB, so a page of records comes out cut short. So a GetRecords in CBOR is handed to
 * kinesalite in JSON, and its JSON answer (records or error) is sent back in CBOR, with record data
 * as byte strings. Every other request goes to kinesalite as it is.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { Decoder, Encoder } from 'cbor-x';

const CBOR = 'application/x-amz-cbor-1.1';
const JSON_1_1 = 'application/x-amz-json-1.1';
const decoder = new Decoder({ mapsAsObjects: true, useRecords: false });
const encoder = new Encoder({ useRecords: false });

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Puts the CBOR front in front of kinesalite's request handler on `server`. */
export function answerCborRecordsAsBytes(server: Server): void {
  const handlers = server.listeners('request') as Handler[];
  server.removeAllListeners('request');
  const handle: Handler = (req, res) => handlers.forEach((handler) => handler(req, res));
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const cborGetRecords = String(req.headers['x-amz-target']).endsWith('.GetRecords') && String(req.headers['content-type']).startsWith(CBOR);
    if (!cborGetRecords) return handle(req, res);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const json = asJson(Buffer.concat(chunks));
      // A body that is not a CBOR map goes as it came: kinesalite's own answer (a small error) is right.
      if (json === undefined) return handle(replay(req, Buffer.concat(chunks), req.headers), res);
      answerInCbor(res);
      handle(replay(req, json, { ...req.headers, 'content-type': JSON_1_1, 'content-length': String(json.byteLength) }), res);
    });
  });
}

function asJson(body: Buffer): Buffer | undefined {
  try {
    const value: unknown = decoder.decode(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? Buffer.from(JSON.stringify(value)) : undefined;
  } catch {
    return undefined;
  }
}

/** A request with `body` and `headers` in place of `req`'s (kinesalite reads `data`/`end`, headers, method, url). */
function replay(req: IncomingMessage, body: Buffer, headers: IncomingMessage['headers']): IncomingMessage {
  const stream = new PassThrough();
  Object.assign(stream, { headers, method: req.method, url: req.url, httpVersion: req.httpVersion, socket: req.socket });
  setImmediate(() => stream.end(body));
  return stream as unknown as IncomingMessage;
}

/** kinesalite's JSON answer (`res.end(body)` after `Content-Type` and `Content-Length`) turned into CBOR. */
function answerInCbor(res: ServerResponse): void {
  const end = res.end.bind(res) as (body?: unknown) => ServerResponse;
  res.end = ((body?: unknown) => {
    if (!Buffer.isBuffer(body) && typeof body !== 'string') return end(body);
    let answer: { Records?: Array<{ Data?: unknown }> };
    try {
      answer = JSON.parse(String(body)) as typeof answer;
    } catch {
      return end(body);
    }
    for (const record of answer.Records ?? []) {
      if (typeof record.Data === 'string') record.Data = Buffer.from(record.Data, 'base64');
    }
    const bytes = encoder.encode(answer);
    res.setHeader('Content-Type', CBOR);
    res.setHeader('Content-Length', bytes.byteLength);
    return end(bytes);
  }) as ServerResponse['end'];
}
