/** A shard host thread: hosts many shard actors and serves the supervisor's control calls. */
import type { MessagePort } from 'node:worker_threads';
import type { ResolvedConfig } from '../config/config.js';
import { createForwardingLogger } from '../core/logger.js';
import { createSource } from '../sources/create-source.js';
import { serializeError, type BoundaryApi, type EmitterApi, type HostEvent, type ShardStatsEvent, type ShardHostApi, type ShardHostData, type StartActorRequest, type TransformApi } from '../threads/protocol.js';
import { loopDelayMonitor } from '../threads/loop-delay.js';
import { connect, serve, transfer } from '../threads/rpc.js';
import { hostThreadCount } from '../threads/thread-limits.js';
import { windowTransferables } from '../transform/record-window.js';
import { createDeadLetterSink } from './create-dead-letter-sink.js';
import { ShardActor } from './shard-actor.js';
import { windowPartitioning } from './window-partitioning.js';

/** How often the actors' stats are looked at; they are posted only when they changed. */
const STATS_INTERVAL_MS = 100;
/** The thread's event-loop delay goes with every tenth stats tick (once a second), when the endpoints are on. */
const LOOP_DELAY_EVERY = 10;

export async function runShardHost(data: ShardHostData, parent: MessagePort): Promise<void> {
  const post = (event: HostEvent) => parent.postMessage(event);
  const logger = createForwardingLogger(post, { host: data.hostIndex });
  const { config } = data;
  const source = await createSource(config, logger);
  const transform = framedTransform(connect<TransformApi>(data.transform, 'the transform pool relay'), config);
  const emitters = data.emitters.map((port, i) => connect<EmitterApi>(port, `emitter thread ${i}`));
  const journal = data.boundaries && connect<BoundaryApi>(data.boundaries, 'the boundary journal');
  const deadLetter = createDeadLetterSink(config.deadLetter, logger);
  const actors = new Map<string, ShardActor>();
  // Shards are spread evenly over the host threads; the count is known here only as the most the default starts.
  const hosts = hostThreadCount(config.shards.hostThreads);
  const shardsInProcess = () => actors.size * hosts;
  const stats = statsReporter(post, actors, config.http.port === undefined ? undefined : `host-${data.hostIndex}`);
  const postStats = stats.post;

  const api: ShardHostApi & { replaceEmitter(index: number, port: MessagePort): void } = {
    startActor(req: StartActorRequest) {
      actors.get(req.shardId)?.kill(new Error(`superseded by generation ${req.generation}`));
      const actor = new ShardActor({
        shardId: req.shardId, generation: req.generation, startAt: req.startAt, config, source, transform,
        emitter: emitters[req.emitterIndex], deadLetter, report: post, logger, shardsInProcess,
        boundaries: journal && {
          read: () => journal.read(req.shardId, req.generation),
          add: (sequenceNumber) => journal.add(req.shardId, req.generation, sequenceNumber),
        },
      });
      actors.set(req.shardId, actor);
      actor.run().then(
        () => {
          if (actors.get(req.shardId) === actor) actors.delete(req.shardId);
          postStats(actor, false);
        },
        (err) => {
          if (actors.get(req.shardId) === actor) actors.delete(req.shardId);
          post({ type: 'actor-failed', shardId: req.shardId, generation: req.generation, error: serializeError(err) });
        },
      );
    },
    async stopActor(shardId: string) {
      await actors.get(shardId)?.stop();
    },
    killActor(shardId: string, reason: string) {
      actors.get(shardId)?.kill(new Error(reason));
    },
    async stopAll() {
      const running = [...actors.values()];
      await Promise.all(running.map((a) => a.stop()));
      stats.stop();
      for (const a of running) postStats(a);
      await source.close();
      await deadLetter.close();
      return running.map((a) => ({ shardId: a.shardId, generation: a.generation, position: a.position, emitted: { ...a.emitted } }));
    },
    ready() {},
    listShards: () => source.listShards(),
    replaceEmitter(index: number, port: MessagePort) {
      emitters[index] = connect<EmitterApi>(port, `emitter thread ${index}`);
    },
  };
  serve(api, data.control);
}

/**
 * The relay, with each window told how to frame untransformed records when there is no transform
 * module and a framing is in force (`transform.rawFraming`, resolved for the emitter's type), and
 * the per-record parts of the key template when it has any (see `window-partitioning.ts`);
 * otherwise the relay as it is.
 */
function framedTransform(relay: TransformApi, config: ResolvedConfig): TransformApi {
  const { module, rawFraming } = config.transform;
  const partitioning = windowPartitioning(config.emitter);
  const framing = module !== undefined || rawFraming === undefined ? {} : { rawFraming };
  if (partitioning === undefined && framing.rawFraming === undefined) return relay;
  const extra = { ...framing, ...(partitioning === undefined ? {} : { partitioning }) };
  return {
    run: (window) => {
      const framed = { ...window, ...extra };
      return relay.run(transfer(framed, windowTransferables(framed)));
    },
  };
}

/**
 * Posts an actor's stats when they changed since they were last posted (an idle actor, most of a
 * stream of many shards, posts nothing at all; a busy one at most once per tick), and, when
 * `loopThread` names this thread (the endpoints are on), its event-loop delay once a second.
 */
export function statsReporter(post: (event: HostEvent) => void, actors: Map<string, Pick<ShardActor, 'shardId' | 'generation' | 'stats' | 'busy'>>, loopThread: string | undefined) {
  type Reporting = Pick<ShardActor, 'shardId' | 'generation' | 'stats' | 'busy'>;
  const posted = new WeakMap<Reporting, ShardStatsEvent>();
  const postStats = (a: Reporting, busy = a.busy) => {
    const { read, filtered, deadLettered, millisBehindLatest, caughtUp, lastReadAt } = a.stats;
    const last = posted.get(a);
    if (last && last.read === read && last.filtered === filtered && last.deadLettered === deadLettered && last.busy === busy
      && last.millisBehindLatest === millisBehindLatest && last.caughtUp === caughtUp && last.lastReadAt === lastReadAt) return;
    const event: ShardStatsEvent = { type: 'stats', shardId: a.shardId, generation: a.generation, read, filtered, deadLettered, millisBehindLatest, caughtUp, lastReadAt, busy };
    posted.set(a, event);
    post(event);
  };
  const loop = loopThread === undefined ? undefined : loopDelayMonitor(loopThread);
  let ticks = 0;
  const timer = setInterval(() => {
    for (const a of actors.values()) postStats(a);
    if (loop && ++ticks % LOOP_DELAY_EVERY === 0) post(loop.read());
  }, STATS_INTERVAL_MS);
  return {
    post: postStats,
    stop() {
      clearInterval(timer);
      loop?.stop();
    },
  };
}
