/**
 * A minimal reader of the protobuf wire format, for the few messages this project decodes by hand
 * (see `kpl-aggregate.ts`): field keys, varints, length-delimited fields and skipping the rest.
 * Every malformation throws a {@link ProtobufFormatError} naming the byte where it was found.
 */

/** The wire types of protobuf's encoding. */
export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH_DELIMITED = 2;
export const WIRE_FIXED32 = 5;

/** Malformed protobuf: the message says what and at which byte of the decoded bytes (`base` counted in). */
export class ProtobufFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtobufFormatError';
  }
}

/** Reads `bytes[pos .. end)`; `base` is added to positions in error messages (bytes before the message). */
export class ProtobufReader {
  pos: number;

  constructor(readonly bytes: Uint8Array, start: number, readonly end: number, private readonly base = 0) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** Throws a ProtobufFormatError naming `what` and the byte at `at` (default: the current one). */
  fail(what: string, at = this.pos): never {
    throw new ProtobufFormatError(`${what} at byte ${this.base + at}`);
  }

  /** A varint of up to 10 bytes, as a number (exact up to 2^53; larger values are never valid here). */
  varint(): number {
    const { bytes, end } = this;
    const start = this.pos;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) this.fail('truncated varint', start);
      const b = bytes[this.pos++];
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
    }
    return this.fail('varint longer than 10 bytes', start);
  }

  /** A field key: its number and wire type. */
  key(): { field: number; wire: number } {
    const at = this.pos;
    const key = this.varint();
    const field = Math.floor(key / 8);
    if (field === 0) this.fail('field number 0', at);
    return { field, wire: key % 8 };
  }

  /** A length-delimited field's body: its [start, end) in `bytes` (the reader moves past it). */
  delimited(): [number, number] {
    const at = this.pos;
    const length = this.varint();
    if (length > this.end - this.pos) this.fail(`length ${length} past the end of the message`, at);
    const start = this.pos;
    this.pos += length;
    return [start, this.pos];
  }

  /**
   * Skips a field of wire type `wire` whose key was at `keyAt` (named in errors); groups, wire types
   * 3 and 4, are not supported: malformed here.
   */
  skip(wire: number, keyAt: number): void {
    const at = this.pos;
    if (wire === WIRE_VARINT) this.varint();
    else if (wire === WIRE_LENGTH_DELIMITED) this.delimited();
    else if (wire === WIRE_FIXED64 || wire === WIRE_FIXED32) {
      const size = wire === WIRE_FIXED64 ? 8 : 4;
      if (size > this.end - this.pos) this.fail(`truncated ${size * 8}-bit field`, at);
      this.pos += size;
    } else this.fail(`unsupported wire type ${wire}`, keyAt);
  }

  /** Checks that a known field came with the wire type its schema gives it. */
  expect(field: number, wire: number, expected: number, at: number): void {
    if (wire !== expected) this.fail(`field ${field} has wire type ${wire}, not ${expected}`, at);
  }
}
