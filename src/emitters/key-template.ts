/**
 * Object key templates (`emitter.key` of `s3` and `file`): literals and placeholders, such as
 * `events/type={field:type}/dt={arrival:yyyy-MM-dd}/{shardId}-{firstSeq}`. Parsing here checks
 * every rule the config reports; rendering takes the record parts already encoded (see
 * `key-value.ts`), so a key is made of the template's safe literals and safe values only.
 */
import { ConnectorError } from '../core/errors.js';
import { ArrivalFormatter } from './arrival-format.js';

/** A record's approximate arrival time formatted in UTC (`yyyy`, `MM`, `dd`, `HH`, `mm`, `ss`; anything else literal). */
export interface ArrivalPart { kind: 'arrival'; format: string }
/** A field of the transform's output record, by dotted path. */
export interface FieldPart { kind: 'field'; path: string[] }
/** A part that takes a value from each record: it makes a batch one object per partition. */
export type RecordPart = ArrivalPart | FieldPart;

export type TemplatePart =
  | { kind: 'literal'; text: string }
  | { kind: 'shardId' }
  | { kind: 'firstSeq' }
  | { kind: 'lastSeq' }
  | { kind: 'record'; index: number };

/** A parsed template: its parts in order, and the per-record parts (referenced by `index`). */
export interface KeyTemplate {
  source: string;
  parts: TemplatePart[];
  recordParts: RecordPart[];
}

/** Today's layout, dated by each record's arrival. */
export const DEFAULT_KEY_TEMPLATE = '{arrival:yyyy}/{arrival:MM}/{arrival:dd}/{shardId}/{firstSeq}-{lastSeq}';

/** The characters a template's literals (and arrival formats) may hold. */
const SAFE_LITERAL = /^[A-Za-z0-9/_.=-]*$/;
const SAFE_FORMAT = /^[A-Za-z0-9/_.=-]+$/;
const FIELD_PATH = /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/;

/** The placeholders a template may use, as the messages list them. */
export const KEY_PLACEHOLDERS = '{shardId}, {firstSeq}, {lastSeq}, {arrival:<format>}, {field:<dot.path>}';

/**
 * Thrown by {@link parseKeyTemplate} (code `KEY_TEMPLATE_INVALID`, not retriable); `message` says
 * what is wrong, the option's path is the caller's to add (the config reports it as a ConfigError).
 */
export class KeyTemplateProblem extends ConnectorError {
  constructor(message: string) {
    super(message, { code: 'KEY_TEMPLATE_INVALID', retriable: false });
    this.name = 'KeyTemplateProblem';
  }
}

function placeholder(body: string, recordParts: RecordPart[]): TemplatePart {
  if (body === 'shardId' || body === 'firstSeq' || body === 'lastSeq') return { kind: body };
  if (body.startsWith('arrival:')) {
    const format = body.slice('arrival:'.length);
    if (!SAFE_FORMAT.test(format)) throw new KeyTemplateProblem(`has an arrival format ${JSON.stringify(format)} that is not a non-empty run of letters, digits and / _ . = -`);
    recordParts.push({ kind: 'arrival', format });
    return { kind: 'record', index: recordParts.length - 1 };
  }
  if (body.startsWith('field:')) {
    const path = body.slice('field:'.length);
    if (!FIELD_PATH.test(path)) throw new KeyTemplateProblem(`has a field path ${JSON.stringify(path)} that is not a dotted path such as "user.id"`);
    recordParts.push({ kind: 'field', path: path.split('.') });
    return { kind: 'record', index: recordParts.length - 1 };
  }
  throw new KeyTemplateProblem(`has an unknown placeholder {${body}} (known: ${KEY_PLACEHOLDERS})`);
}

function literal(text: string, parts: TemplatePart[]): void {
  if (text === '') return;
  if (!SAFE_LITERAL.test(text)) {
    const bad = [...text].find((c) => !SAFE_LITERAL.test(c));
    throw new KeyTemplateProblem(`has the character ${JSON.stringify(bad)} outside a placeholder (literals may hold letters, digits and / _ . = -)`);
  }
  parts.push({ kind: 'literal', text });
}

/** Splits the template into literals and placeholders; braces must pair up. */
function tokenize(source: string): KeyTemplate {
  const parts: TemplatePart[] = [];
  const recordParts: RecordPart[] = [];
  let at = 0;
  while (at < source.length) {
    const open = source.indexOf('{', at);
    const close = source.indexOf('}', at);
    if (close !== -1 && (open === -1 || close < open)) throw new KeyTemplateProblem(`has an unbalanced "}" at character ${close + 1}`);
    if (open === -1) {
      literal(source.slice(at), parts);
      break;
    }
    literal(source.slice(at, open), parts);
    const end = source.indexOf('}', open);
    const nested = source.indexOf('{', open + 1);
    if (end === -1 || (nested !== -1 && nested < end)) throw new KeyTemplateProblem(`has an unbalanced "{" at character ${open + 1}`);
    parts.push(placeholder(source.slice(open + 1, end), recordParts));
    at = end + 1;
  }
  return { source, parts, recordParts };
}

/**
 * The segment rules, on the template's literals and arrival formats (whose tokens give digits, and
 * whose other characters, `/` included, stay as they are), each other placeholder standing as `*`.
 */
function checkSegments(t: KeyTemplate): void {
  const shape = t.parts.map((p) => {
    if (p.kind === 'literal') return p.text;
    const part = p.kind === 'record' ? t.recordParts[p.index] : undefined;
    return part?.kind === 'arrival' ? new ArrivalFormatter(part.format).format(0) : '*';
  }).join('');
  if (shape.startsWith('/')) throw new KeyTemplateProblem('must not begin with "/" (keys are relative to emitter.prefix)');
  const segment = shape.split('/').find((s) => s === '' || s === '.' || s === '..');
  if (segment !== undefined) throw new KeyTemplateProblem(segment === '' ? 'must not have an empty segment ("//" or a trailing "/")' : `must not have a "${segment}" segment`);
}

/**
 * Parses and checks a key template; throws a {@link KeyTemplateProblem} whose message follows the
 * option's name (`emitter.key has an unknown placeholder {x} …`).
 */
export function parseKeyTemplate(source: string): KeyTemplate {
  if (source === '') throw new KeyTemplateProblem('must not be empty');
  const t = tokenize(source);
  checkSegments(t);
  const has = (kind: TemplatePart['kind']) => t.parts.some((p) => p.kind === kind);
  if (!has('shardId') || !has('firstSeq')) throw new KeyTemplateProblem('must contain {shardId} and {firstSeq} (so that no two objects share a key)');
  return t;
}

/** The values a key is rendered from; `record` holds the encoded value of each per-record part. */
export interface KeyValues {
  shardId: string;
  firstSeq: string;
  lastSeq: string;
  record: readonly string[];
}

/** The key's segments (to go through `confinedKey`), the extension appended to the last one. */
export function renderKeySegments(t: KeyTemplate, values: KeyValues, extension: string): string[] {
  let out = '';
  for (const p of t.parts) {
    if (p.kind === 'literal') out += p.text;
    else if (p.kind === 'record') out += values.record[p.index];
    else out += values[p.kind];
  }
  return `${out}${extension}`.split('/');
}
