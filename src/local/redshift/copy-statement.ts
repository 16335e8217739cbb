// Redshift's `COPY <table> [(cols)] FROM 's3://...' <authorization> [MANIFEST] [[FORMAT [AS]] JSON
// [AS] 'auto' | 's3://jsonpaths'] [DELIMITER 'c'] [GZIP] [REGION 'r']`: recognising and parsing it.

/** One COPY from S3 that the stand-in ran to completion (whether or not its transaction committed). */
export interface CopyRecord {
  table: string;
  from: string;
  authorization: 'iam_role' | 'access_key' | 'credentials';
  manifest: boolean;
  format: 'json-auto' | 'jsonpaths' | 'delimiter';
  gzip: boolean;
  /** The S3 URLs of the files whose rows were loaded. */
  files: string[];
  rows: number;
}

/** A COPY failure with its SQLSTATE. Messages never contain a string literal of the statement. */
export class CopyError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export interface RedshiftCopy {
  /** Name parts, unquoted names folded to lower case. */
  table: string[];
  columns?: string[];
  from: string;
  authorization: CopyRecord['authorization'];
  manifest: boolean;
  format: { kind: 'json-auto' } | { kind: 'jsonpaths'; url: string } | { kind: 'delimiter'; delimiter: string };
  gzip: boolean;
  region?: string;
}

export function isRedshiftCopy(sql: string): boolean {
  return /^\s*copy\b/i.test(sql) && /\bfrom\s+'s3:\/\//i.test(sql);
}

type Token = { kind: 'word' | 'ident' | 'string' | 'punct'; value: string };

function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (/\s/.test(c)) { i++; continue; }
    if (sql.startsWith('--', i)) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
      continue;
    }
    if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) throw new CopyError('42601', 'unterminated comment in COPY');
      i = end + 2;
      continue;
    }
    if (c === "'" || c === '"') {
      let value = '';
      let j = i + 1;
      for (;;) {
        const k = sql.indexOf(c, j);
        if (k < 0) throw new CopyError('42601', `unterminated ${c === "'" ? 'string literal' : 'quoted identifier'} in COPY`);
        value += sql.slice(j, k);
        if (sql[k + 1] === c) {
          value += c;
          j = k + 2;
        } else {
          j = k + 1;
          break;
        }
      }
      tokens.push({ kind: c === "'" ? 'string' : 'ident', value });
      i = j;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(i, i + 200));
    if (word) {
      tokens.push({ kind: 'word', value: word[0] });
      i += word[0].length;
      continue;
    }
    tokens.push({ kind: 'punct', value: c });
    i++;
  }
  return tokens;
}

function describeToken(t: Token | undefined): string {
  if (!t) return 'the end of the statement';
  if (t.kind === 'string') return 'a string literal';
  return `"${t.value}"`;
}

export function parseRedshiftCopy(sql: string): RedshiftCopy {
  return new CopyParser(tokenize(sql)).parse();
}

type Authorization = { iamRole?: string; accessKeyId?: string; secretAccessKey?: string; credentials?: string };

/** A recursive-descent reader of one `COPY … FROM 's3://…' …` statement. */
class CopyParser {
  private at = 0;
  private readonly auth: Authorization = {};
  private manifest = false;
  private gzip = false;
  private region: string | undefined;
  private format: RedshiftCopy['format'] | undefined;

  constructor(private readonly tokens: Token[]) {}

  parse(): RedshiftCopy {
    if (!this.acceptWord('COPY')) throw this.syntax('COPY');
    const table = [this.name()];
    while (this.isPunct(this.peek(), '.')) { this.at++; table.push(this.name()); }
    const columns = this.columns();
    if (!this.acceptWord('FROM')) throw this.syntax('FROM');
    const from = this.expectString("the S3 URL ('s3://bucket/key')");
    while (this.at < this.tokens.length && this.option()) { /* one option per turn */ }
    const authorization = checkAuthorization(this.auth);
    parseS3Url(from);
    return {
      table, columns, from, manifest: this.manifest, gzip: this.gzip, region: this.region, authorization,
      format: this.format ?? { kind: 'delimiter', delimiter: '|' }, // Redshift's default: pipe-delimited text
    };
  }

  private peek(): Token | undefined {
    return this.tokens[this.at];
  }

  private syntax(what: string): CopyError {
    return new CopyError('42601', `syntax error in COPY: expected ${what}, got ${describeToken(this.peek())}`);
  }

  private isWord(t: Token | undefined, w: string): boolean {
    return t?.kind === 'word' && t.value.toUpperCase() === w;
  }

  private isPunct(t: Token | undefined, p: string): boolean {
    return t?.kind === 'punct' && t.value === p;
  }

  private acceptWord(w: string): boolean {
    if (!this.isWord(this.peek(), w)) return false;
    this.at++;
    return true;
  }

  private expectString(what: string): string {
    const t = this.peek();
    if (t?.kind !== 'string') throw this.syntax(what);
    this.at++;
    return t.value;
  }

  private name(): string {
    const t = this.peek();
    if (t?.kind === 'word') { this.at++; return t.value.toLowerCase(); }
    if (t?.kind === 'ident') { this.at++; return checkName(t.value); }
    throw this.syntax('a name');
  }

  private columns(): string[] | undefined {
    if (!this.isPunct(this.peek(), '(')) return undefined;
    this.at++;
    const columns = [this.name()];
    while (this.isPunct(this.peek(), ',')) { this.at++; columns.push(this.name()); }
    if (!this.isPunct(this.peek(), ')')) throw this.syntax('")"');
    this.at++;
    return columns;
  }

  private jsonArgument(): RedshiftCopy['format'] {
    this.acceptWord('AS');
    const arg = this.expectString("'auto' or the S3 URL of a jsonpaths file after JSON");
    if (arg.toLowerCase() === 'auto' || arg.toLowerCase() === 'auto ignorecase') return { kind: 'json-auto' };
    if (arg.startsWith('s3://')) return { kind: 'jsonpaths', url: arg };
    throw new CopyError('0A000', "the local Redshift stand-in supports JSON 'auto' and JSON 's3://jsonpaths-file' only");
  }

  private setFormat(f: RedshiftCopy['format']): void {
    if (this.format) throw new CopyError('42601', 'COPY takes only one data format (JSON or DELIMITER)');
    this.format = f;
  }

  /** Reads one option; false at a final ";". */
  private option(): boolean {
    const t = this.peek()!;
    if (this.isPunct(t, ';')) {
      this.at++;
      if (this.at < this.tokens.length) throw new CopyError('0A000', 'the local Redshift stand-in runs a COPY from S3 only as a statement of its own');
      return false;
    }
    if (t.kind !== 'word') throw this.syntax('a COPY option');
    this.at++;
    const word = t.value.toUpperCase();
    switch (word) {
      case 'IAM_ROLE': this.auth.iamRole = this.expectString('the role ARN after IAM_ROLE'); break;
      case 'ACCESS_KEY_ID': this.auth.accessKeyId = this.expectString('the key after ACCESS_KEY_ID'); break;
      case 'SECRET_ACCESS_KEY': this.auth.secretAccessKey = this.expectString('the key after SECRET_ACCESS_KEY'); break;
      case 'SESSION_TOKEN': this.expectString('the token after SESSION_TOKEN'); break;
      case 'CREDENTIALS': this.acceptWord('AS'); this.auth.credentials = this.expectString('the credentials string after CREDENTIALS'); break;
      case 'MANIFEST': this.manifest = true; break;
      case 'GZIP': this.gzip = true; break;
      case 'REGION': this.acceptWord('AS'); this.region = this.expectString('the region after REGION'); break;
      case 'FORMAT':
        this.acceptWord('AS');
        if (!this.acceptWord('JSON')) throw new CopyError('0A000', `the local Redshift stand-in supports FORMAT JSON only, got ${describeToken(this.peek())}`);
        this.setFormat(this.jsonArgument());
        break;
      case 'JSON': this.setFormat(this.jsonArgument()); break;
      case 'DELIMITER': {
        this.acceptWord('AS');
        const delimiter = this.expectString('the delimiter after DELIMITER');
        if ([...delimiter].length !== 1) throw new CopyError('22023', 'COPY delimiter must be a single character');
        this.setFormat({ kind: 'delimiter', delimiter });
        break;
      }
      default:
        throw new CopyError('0A000', `the local Redshift stand-in does not support the COPY option ${word}`);
    }
    return true;
  }
}

/** Exactly one kind of authorization, complete and without empty values. */
function checkAuthorization(auth: Authorization): RedshiftCopy['authorization'] {
  const kinds = [auth.iamRole !== undefined, auth.accessKeyId !== undefined || auth.secretAccessKey !== undefined, auth.credentials !== undefined]
    .filter(Boolean).length;
  if (kinds === 0) throw new CopyError('42601', 'COPY from S3 needs an authorization: IAM_ROLE, ACCESS_KEY_ID and SECRET_ACCESS_KEY, or CREDENTIALS');
  if (kinds > 1) throw new CopyError('42601', 'COPY takes one authorization: IAM_ROLE, ACCESS_KEY_ID and SECRET_ACCESS_KEY, or CREDENTIALS');
  if ((auth.accessKeyId === undefined) !== (auth.secretAccessKey === undefined)) {
    throw new CopyError('42601', 'COPY needs both ACCESS_KEY_ID and SECRET_ACCESS_KEY');
  }
  for (const v of [auth.iamRole, auth.accessKeyId, auth.secretAccessKey, auth.credentials]) {
    if (v === '') throw new CopyError('22023', 'COPY authorization values must not be empty');
  }
  return auth.iamRole !== undefined ? 'iam_role' : auth.credentials !== undefined ? 'credentials' : 'access_key';
}

/**
 * The name, if the stand-in can use it. It quotes names with the library's SQL quoting, which reads a
 * "." as the schema separator and takes no backslash in the literal naming the table, so a quoted
 * name holding either is refused (the library itself never sends one), as is an empty one.
 */
export function checkName(name: string): string {
  if (name === '') throw new CopyError('42601', 'zero-length quoted name in COPY');
  if (/[.\\]/.test(name)) throw new CopyError('0A000', `the local Redshift stand-in does not support "." or "\\" inside a name: ${JSON.stringify(name)}`);
  return name;
}

export function parseS3Url(url: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(url);
  if (!m) throw new CopyError('22023', `not an S3 URL (s3://bucket/key): ${url}`);
  return { bucket: m[1], key: m[2] };
}

