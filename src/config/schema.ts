/**
 * The config file's schema: the top-level options and sections, composed from `sections.ts` and
 * the emitters' options. Its input type is what a user writes; its output, the resolved config.
 */
import { z } from 'zod';
import { LINE_EMITTERS, type RawFraming } from '../transform/raw-framing.js';
import { DEFAULTS } from './defaults.js';
import { emitterSchema } from './emitter-schema.js';
import { show, stringMessage } from './messages.js';
import { section } from './object-rules.js';
import type { OptionsContext } from './options-context.js';
import { integer, says, streamName, text } from './rules.js';
import {
  bufferSection, checkpointSection, deadLetterSection, httpSection, kinesisSection, leaseSection, logLevel, readerSection, restartSection, shardsSection,
  sourceSection, startPosition, transformSection, workerSection,
} from './sections.js';

export function configSchema(context: OptionsContext) {
  const shape = {
    /** Application name: the first part of every checkpoint key. */
    app: text().refine((app) => !/[:\s]/.test(app), says((value) => `must not contain ':' or spaces, got ${show(value)}`)),
    /** Kinesis stream name. */
    stream: streamName(),
    kinesis: kinesisSection(context).prefault({}),
    /** @defaultValue 'TRIM_HORIZON' */
    startPosition: startPosition.default(DEFAULTS.startPosition),
    checkpoint: checkpointSection(context).prefault({}),
    transform: transformSection(context).prefault({}),
    buffer: bufferSection.prefault({}),
    /** @defaultValue `{ "type": "file" }` */
    emitter: emitterSchema(context).prefault({ type: DEFAULTS.emitter.type }),
    deadLetter: deadLetterSection(context).prefault({}),
    reader: readerSection.prefault({}),
    shards: shardsSection.prefault({}),
    restart: restartSection.prefault({}),
    /** With Redis checkpoints: this worker among those sharing the stream. */
    worker: workerSection.prefault({}),
    /** With Redis checkpoints: the shards' leases. */
    lease: leaseSection.prefault({}),
    /** @defaultValue `{ "type": "kinesis" }` */
    source: sourceSection(context).prefault({ type: 'kinesis' }),
    /** The metrics, health and status endpoints: off unless `http.port` is set. */
    http: httpSection.prefault({}),
    /** Bound on the whole graceful shutdown. @defaultValue 30000 */
    shutdownTimeoutMs: integer().default(DEFAULTS.shutdownTimeoutMs),
    /** @defaultValue 'info' */
    logLevel: logLevel.default(DEFAULTS.logLevel),
    /** The JSON Schema the file follows, for editors. Accepted and not read: not listed among the options. */
    $schema: z.string(says(stringMessage)).optional(),
  };
  const options = Object.keys(shape).filter((key) => key !== '$schema');
  return section(shape, options).superRefine(rawFramingRule).transform(({ $schema: _schema, ...config }) => ({
    ...config, transform: { ...config.transform, rawFraming: rawFramingOf(config.transform, config.emitter.type) },
  }));
}

interface FramingInput { transform: { rawFraming?: RawFraming }; emitter: { type: string } }

/** `transform.rawFraming` is for the emitters that store lines; the others take each record as it is. */
function rawFramingRule({ transform, emitter }: FramingInput, ctx: z.RefinementCtx): void {
  if (transform.rawFraming !== undefined && !LINE_EMITTERS.includes(emitter.type)) {
    ctx.addIssue({ code: 'custom', path: ['transform', 'rawFraming'], input: transform.rawFraming,
      message: `applies only to the ${LINE_EMITTERS.join(', ')} emitters (the ${emitter.type} emitter takes each record as it is), got ${show(transform.rawFraming)}` });
  }
}

/** The framing in force: none with a transform module; as set; else "lines" for an emitter that stores lines. */
function rawFramingOf(transform: { module?: string; rawFraming?: RawFraming }, emitterType: string): RawFraming | undefined {
  if (transform.module !== undefined) return undefined;
  return transform.rawFraming ?? (LINE_EMITTERS.includes(emitterType) ? DEFAULTS.transform.rawFraming : undefined);
}

/** What a user writes: a JSON file, a JS module's default export or the object given to `new Pipeline`. */
export type PipelineOptions = z.input<ReturnType<typeof configSchema>>;

/** The configuration after defaults and validation: every field present, every path absolute. */
export type ResolvedConfig = z.output<ReturnType<typeof configSchema>>;
