/**
 * The live status page served at `/`: plain HTML, CSS and a few lines of script that fetch
 * `/status.json` every second. Nothing is loaded from anywhere else (no CDN, font or image).
 */
const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1d2733; background: #f6f8fa; }
h1 { font-size: 20px; margin: 0 0 4px; }
.sub { color: #5b6673; margin-bottom: 16px; }
.totals { display: flex; gap: 12px; flex-wrap: wrap; margin-bottom: 16px; }
.card { background: #fff; border: 1px solid #d8dee4; border-radius: 6px; padding: 8px 14px; min-width: 110px; }
.card b { display: block; font-size: 20px; }
.card span { color: #5b6673; font-size: 12px; }
table { border-collapse: collapse; background: #fff; border: 1px solid #d8dee4; width: 100%; }
th, td { padding: 6px 10px; border-bottom: 1px solid #eaeef2; text-align: left; white-space: nowrap; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
td.err { white-space: normal; color: #b42318; max-width: 420px; }
.state-running { color: #1a7f37; } .state-restarting { color: #b42318; } .state-waiting { color: #9a6700; } .state-finished { color: #5b6673; }
#ready.ok { color: #1a7f37; } #ready.no { color: #b42318; }
svg { background: #fff; border: 1px solid #d8dee4; border-radius: 6px; margin-bottom: 16px; }
`;

const SCRIPT = `
const $ = (id) => document.getElementById(id);
const fmt = (n) => n === null || n === undefined ? '-' : Number(n).toLocaleString('en-US');
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
function chart(history) {
  const w = 600, h = 120, max = Math.max(1, ...history.map((p) => p.recordsPerSecond));
  const pts = history.map((p, i) => (history.length < 2 ? 0 : i * w / (history.length - 1)).toFixed(1) + ',' + (h - 4 - (h - 20) * p.recordsPerSecond / max).toFixed(1));
  $('line').setAttribute('points', pts.join(' '));
  $('peak').textContent = fmt(Math.round(max)) + ' records/s';
}
async function refresh() {
  try {
    const s = await (await fetch('status.json', { cache: 'no-store' })).json();
    $('title').textContent = s.app + ' / ' + s.stream;
    $('worker').textContent = s.worker.id + (s.worker.leases ? ' (leases, ' + s.worker.liveWorkers + ' live workers)' : '');
    $('ready').textContent = s.ready.ready ? 'ready' : 'not ready: ' + s.ready.reasons.join('; ');
    $('ready').className = s.ready.ready ? 'ok' : 'no';
    for (const k of ['shards', 'read', 'emitted', 'filtered', 'deadLettered', 'recordsPerSecond', 'maxMillisBehindLatest']) $('t-' + k).textContent = fmt(s.totals[k]);
    $('rows').innerHTML = s.shards.map((r) => '<tr data-shard="' + esc(r.shardId) + '"><td>' + esc(r.shardId) + '</td><td class="state-' + r.state + '">' + r.state +
      '</td><td>' + esc(r.owner ?? '-') + '</td><td class="n">' + fmt(r.millisBehindLatest) + '</td><td class="n">' + fmt(r.read) + '</td><td class="n">' + fmt(r.emitted) +
      '</td><td class="n">' + fmt(r.recordsPerSecond) + '</td><td>' + esc(r.checkpoint ? '…' + r.checkpoint.slice(-12) : '-') + '</td><td class="err">' + esc(r.lastError ?? '') + '</td></tr>').join('');
    chart(s.history);
    $('updated').textContent = new Date(s.time).toLocaleTimeString();
  } catch (err) {
    $('updated').textContent = 'no answer (' + err.message + ')';
  }
}
refresh();
setInterval(refresh, 1000);
`;

const CARDS = [['shards', 'shards'], ['read', 'records read'], ['emitted', 'records emitted'], ['filtered', 'filtered'],
  ['deadLettered', 'dead-lettered'], ['recordsPerSecond', 'records/s'], ['maxMillisBehindLatest', 'max lag (ms)']];

export const STATUS_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>kinesis-connectors status</title><style>${STYLE}</style></head>
<body>
<h1 id="title">kinesis-connectors</h1>
<div class="sub">worker <span id="worker">-</span> · <span id="ready">-</span> · updated <span id="updated">-</span></div>
<div class="totals">${CARDS.map(([k, label]) => `<div class="card"><b id="t-${k}">-</b><span>${label}</span></div>`).join('')}</div>
<svg width="600" height="120" viewBox="0 0 600 120" role="img" aria-label="records read per second">
<text x="6" y="14" font-size="11" fill="#5b6673">records read per second, last 2 minutes · peak <tspan id="peak">-</tspan></text>
<polyline id="line" fill="none" stroke="#0969da" stroke-width="2" points=""/></svg>
<table><thead><tr><th>shard</th><th>state</th><th>owner</th><th>lag (ms)</th><th>read</th><th>emitted</th><th>records/s</th><th>checkpoint</th><th>last error</th></tr></thead>
<tbody id="rows"></tbody></table>
<script>${SCRIPT}</script>
</body>
</html>
`;
