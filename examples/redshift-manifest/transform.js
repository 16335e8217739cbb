// Stage 1's transform: a click event becomes a row of the `clicks` table (JSON 'auto' matches keys
// to column names).
export function toRecord(data) {
  return JSON.parse(data.toString('utf8'));
}

export function fromRecord(click) {
  return JSON.stringify({ id: click.id, user_id: click.userId, url: click.url, ts: click.ts });
}
