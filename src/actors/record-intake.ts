/**
 * What a shard actor does with a response before cutting it into windows: KPL aggregates are
 * de-aggregated into their user records (`reader.deaggregate`), each with the extended sequence
 * number `<sequenceNumber>.<subSequenceNumber>` (see `core/sequence.ts`), and, after a restart from a
 * checkpoint inside an aggregate, the user records that checkpoint already covers are dropped. A
 * response without an aggregate costs one 4-byte check per record and comes back as it is (objects or
 * spans, as the reader gave it).
 */
import type { SourceRecord, SourceRecords, StartAt } from '../core/records.js';
import { spanHasKplMagic, isSpans, recordsOfSpans } from '../core/record-spans.js';
import { decodeKplAggregate, hasKplMagic, KplAggregateError } from '../sources/kpl-aggregate.js';

/** A Kinesis record with the KPL magic that is not a valid aggregate: it goes to the dead-letter sink. */
export interface CorruptAggregate {
  record: SourceRecord;
  error: KplAggregateError;
  /** Its place in the intake's records: it came right before `records[at]` (or after the last one). */
  at: number;
}

/** A response after the intake. */
export interface Intake {
  records: SourceRecords;
  corrupt: CorruptAggregate[];
}

const NONE: CorruptAggregate[] = [];

export class RecordIntake {
  /** The checkpoint inside an aggregate this actor resumes from, until the first records are read. */
  private resume: { sequenceNumber: string; through: number } | null;

  constructor(private readonly deaggregate: boolean, startAt: StartAt) {
    this.resume = startAt.type === 'AT_SEQUENCE_NUMBER' && startAt.subSequenceNumber !== undefined
      ? { sequenceNumber: startAt.sequenceNumber, through: startAt.subSequenceNumber } : null;
  }

  /** The user records of a response, in order, and its corrupt aggregates. */
  take(records: SourceRecords): Intake {
    if (!this.deaggregate || records.length === 0) return { records, corrupt: NONE };
    let i = 0;
    if (isSpans(records)) while (i < records.length && !spanHasKplMagic(records, i)) i++;
    else while (i < records.length && !hasKplMagic(records[i].data)) i++;
    const resume = this.resume;
    // The reader starts at the Kinesis record of the checkpoint (or, were it trimmed, later): only
    // the first response can hold user records that checkpoint covers.
    this.resume = null;
    if (i === records.length) return { records, corrupt: NONE };
    // Aggregates are rare and split into objects: records held as spans become objects here.
    return expand(isSpans(records) ? recordsOfSpans(records) : records, i, resume);
  }
}

/** De-aggregates `records[from ..]` (the ones before are plain records). */
function expand(records: readonly SourceRecord[], from: number, resume: RecordIntake['resume']): Intake {
  const out = records.slice(0, from);
  const corrupt: CorruptAggregate[] = [];
  for (let i = from; i < records.length; i++) {
    const r = records[i];
    if (!hasKplMagic(r.data)) {
      out.push(r);
      continue;
    }
    let users;
    try {
      users = decodeKplAggregate(r.data);
    } catch (err) {
      if (!(err instanceof KplAggregateError)) throw err;
      corrupt.push({ record: r, error: err, at: out.length });
      continue;
    }
    const skipThrough = resume !== null && resume.sequenceNumber === r.sequenceNumber ? resume.through : -1;
    for (const u of users) {
      if (u.subSequenceNumber <= skipThrough) continue;
      out.push({ data: u.data, sequenceNumber: `${r.sequenceNumber}.${u.subSequenceNumber}`, partitionKey: u.partitionKey, arrival: r.arrival });
    }
  }
  return { records: out, corrupt };
}
