/**
 * `{arrival:<format>}` of a key template: a time formatted in UTC with the tokens `yyyy`, `MM`,
 * `dd`, `HH`, `mm` and `ss` (every other character as it is). Formatting is cached: the value of
 * the last unit of the finest token used (a day for `yyyy-MM-dd`), so records of one day cost a
 * division and a comparison.
 */

type Token = 'yyyy' | 'MM' | 'dd' | 'HH' | 'mm' | 'ss';
const TOKENS: readonly Token[] = ['yyyy', 'MM', 'dd', 'HH', 'mm', 'ss'];
const UNIT_MS: Record<Token, number> = { yyyy: 86_400_000, MM: 86_400_000, dd: 86_400_000, HH: 3_600_000, mm: 60_000, ss: 1000 };

type Piece = Token | { text: string };

function pieces(format: string): Piece[] {
  const out: Piece[] = [];
  for (let at = 0; at < format.length;) {
    const token = TOKENS.find((t) => format.startsWith(t, at));
    if (token) {
      out.push(token);
      at += token.length;
    } else {
      const last = out[out.length - 1];
      if (last !== undefined && typeof last === 'object') last.text += format[at];
      else out.push({ text: format[at] });
      at++;
    }
  }
  return out;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function tokenValue(token: Token, d: Date): string {
  switch (token) {
    case 'yyyy': return pad(d.getUTCFullYear(), 4);
    case 'MM': return pad(d.getUTCMonth() + 1);
    case 'dd': return pad(d.getUTCDate());
    case 'HH': return pad(d.getUTCHours());
    case 'mm': return pad(d.getUTCMinutes());
    case 'ss': return pad(d.getUTCSeconds());
  }
}

/** Formats times with one format, remembering the last unit it formatted. */
export class ArrivalFormatter {
  private readonly pieces: Piece[];
  /** The finest token's unit; a format without tokens is one value forever. */
  readonly unitMs: number;
  private lastUnit = NaN;
  private lastValue = '';

  constructor(format: string) {
    this.pieces = pieces(format);
    const units = this.pieces.filter((p): p is Token => typeof p === 'string').map((t) => UNIT_MS[t]);
    this.unitMs = units.length === 0 ? Number.POSITIVE_INFINITY : Math.min(...units);
  }

  /** The unit `ms` falls in (what the cache compares). */
  unitOf(ms: number): number {
    return this.unitMs === Number.POSITIVE_INFINITY ? 0 : Math.floor(ms / this.unitMs);
  }

  /** `ms` (since the epoch) formatted in UTC. */
  format(ms: number): string {
    const unit = this.unitOf(ms);
    if (unit === this.lastUnit) return this.lastValue;
    const d = new Date(ms);
    let out = '';
    for (const p of this.pieces) out += typeof p === 'string' ? tokenValue(p, d) : p.text;
    this.lastUnit = unit;
    this.lastValue = out;
    return out;
  }
}
