import test from 'ava';
import { ShardAcks } from '../src/actors/ack-tracker.js';
import { SHARD_END } from '../src/core/sequence.js';

test('the committable position waits for every earlier batch', (t) => {
  const acks = new ShardAcks();
  t.false(acks.ack(2, '300'));
  t.false(acks.ack(1, '200'));
  t.is(acks.committable, null);
  t.is(acks.waiting, 2);
  t.true(acks.ack(0, '100'));
  t.is(acks.committable, '300');
  t.is(acks.waiting, 0);
});

test('gaps hold the position at the last contiguous batch', (t) => {
  const acks = new ShardAcks();
  acks.ack(0, '10');
  acks.ack(1, '20');
  acks.ack(3, '40');
  t.is(acks.target(), '20');
  acks.ack(2, '30');
  t.is(acks.target(), '40');
});

test('duplicate and stale acks change nothing', (t) => {
  const acks = new ShardAcks();
  acks.ack(0, '10');
  t.false(acks.ack(0, '10'));
  acks.ack(2, '30');
  t.false(acks.ack(2, '30'));
  t.is(acks.target(), '10');
});

test('SHARD_END only after the end is reported and every batch is acknowledged', (t) => {
  const acks = new ShardAcks();
  acks.ack(1, '20');
  acks.ended(2);
  t.false(acks.finished);
  t.is(acks.target(), null);
  acks.ack(0, '10');
  t.true(acks.finished);
  t.is(acks.target(), SHARD_END);
});

test('a shard that ends with no batches is finished at once', (t) => {
  const acks = new ShardAcks();
  acks.ended(0);
  t.is(acks.target(), SHARD_END);
});
