/** Synthetic click events for the demo and the benchmark: deterministic for a given index. */
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36',
  'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Tablet',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15',
];
const BOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const PAGES = ['/', '/products/42', '/cart', '/checkout', '/search', '/products/7', '/blog/launch'];
const CAMPAIGNS = ['spring', 'retarget', 'newsletter', ''];

/** One click event; every 20th is a bot (the sample transform filters those out). */
export function makeClick(i: number, baseTs = 1_780_000_000_000): Record<string, unknown> {
  const campaign = CAMPAIGNS[i % CAMPAIGNS.length];
  return {
    id: `click-${i}`,
    userId: `user-${(i * 7919) % 5000}`,
    url: `https://shop.example.com${PAGES[i % PAGES.length]}${campaign ? `?utm_campaign=${campaign}` : ''}`,
    userAgent: i % 20 === 19 ? BOT : AGENTS[i % AGENTS.length],
    ts: baseTs + i * 37,
    referrer: i % 3 === 0 ? 'https://search.example.org/' : undefined,
  };
}

/** Click event `i` as the JSON bytes a producer puts on the stream. */
export function clickBytes(i: number, baseTs?: number): Buffer {
  return Buffer.from(JSON.stringify(makeClick(i, baseTs)));
}
