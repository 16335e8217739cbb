// PostgreSQL wire-protocol pieces the local Redshift stand-in needs: message type codes, a framer
// that splits a byte stream into messages, and builders/parsers for the few messages it makes or reads.

export const MSG = {
  query: 0x51, // Q
  sync: 0x53, // S
  functionCall: 0x46, // F
  terminate: 0x58, // X
  readyForQuery: 0x5a, // Z
  errorResponse: 0x45, // E
  commandComplete: 0x43, // C
  dataRow: 0x44, // D
  copyInResponse: 0x47, // G
  notification: 0x41, // A
  parameterStatus: 0x53, // S (backend)
} as const;

/** Splits a byte stream into protocol messages (a type byte, then an int32 length that counts itself). */
export class MessageFramer {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const messages: Buffer[] = [];
    let at = 0;
    while (this.pending.length - at >= 5) {
      const end = at + 1 + this.pending.readUInt32BE(at + 1);
      if (this.pending.length < end) break;
      messages.push(this.pending.subarray(at, end));
      at = end;
    }
    this.pending = this.pending.subarray(at);
    return messages;
  }
}

export function frontendMessage(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeUInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

export function parseDataRow(msg: Buffer): Array<string | null> {
  const n = msg.readUInt16BE(5);
  const values: Array<string | null> = [];
  let at = 7;
  for (let i = 0; i < n; i++) {
    const len = msg.readInt32BE(at);
    at += 4;
    if (len < 0) values.push(null);
    else {
      values.push(msg.toString('utf8', at, at + len));
      at += len;
    }
  }
  return values;
}

/** A field of PostgreSQL's COPY text format. */
export function copyTextField(value: string | null): string {
  if (value === null) return '\\N';
  return value.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);
}
