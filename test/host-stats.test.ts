import test from 'ava';
import { statsReporter } from '../src/actors/shard-host.js';
import type { HostEvent } from '../src/threads/protocol.js';

const actor = (shardId: string) => ({
  shardId, generation: 1, busy: false,
  stats: { read: 0, filtered: 0, deadLettered: 0, millisBehindLatest: 0, caughtUp: true, lastReadAt: 1 },
});

test('stats are posted when they change, not on every tick: idle actors post nothing after their first report', async (t) => {
  const events: HostEvent[] = [];
  const idle = Array.from({ length: 50 }, (_, i) => actor(`shardId-${String(i).padStart(12, '0')}`));
  const hot = actor('shardId-999999999999');
  const actors = new Map([...idle, hot].map((a) => [a.shardId, a]));
  const stats = statsReporter((e) => events.push(e), actors, undefined);
  t.teardown(() => stats.stop());
  await new Promise((r) => setTimeout(r, 350)); // three ticks or so
  t.is(events.length, 51, 'each actor once');
  hot.stats.read = 500;
  hot.busy = true;
  await new Promise((r) => setTimeout(r, 250));
  t.is(events.length, 52, 'the one that changed, once');
  const last = events.at(-1)!;
  t.like(last, { type: 'stats', shardId: hot.shardId, read: 500, busy: true });
  // A final report with busy false (the actor ended) goes out because it differs.
  stats.post(hot, false);
  t.is(events.length, 53);
  stats.post(hot, false);
  t.is(events.length, 53, 'nothing new');
  t.false(events.some((e) => e.type === 'loop-delay'), 'no event-loop delay without the endpoints');
});

test('with the endpoints on, the event-loop delay goes out about once a second', async (t) => {
  const events: HostEvent[] = [];
  const stats = statsReporter((e) => events.push(e), new Map(), 'host-0');
  t.teardown(() => stats.stop());
  await new Promise((r) => setTimeout(r, 1150));
  t.is(events.filter((e) => e.type === 'loop-delay').length, 1);
});
