// One `asr` instance per source: audio goes into a bounded ring, the VAD's closed speech segments
// (table `speech_segments`) say which spans are utterances, each span is transcribed once its audio
// is in, and the result becomes a final `transcript_segments` row plus a live message. For live
// sources, partial results while speech goes on: a streaming engine is fed chunk by chunk; other
// engines re-decode the open buffer at a bounded rate, one decode at a time.
import type { AnalyzerContext, AnalyzerInstance, AudioInput, ResultBatch } from '../analyzers/contract.ts';
import { InferenceError } from '../errors.ts';
import { profileOf } from '../profile/index.ts';
import { clockAt, createAudioRing, rmsDbfs, splitSpan, SAMPLE_RATE } from './audio-ring.ts';
import type { AsrConfig } from './config.ts';
import type { Transcriber, TranscriptLiveData, TranscriptSegmentRow, TranscriptStream } from './types.ts';

/** Closed spans waiting for their audio; beyond this the oldest are dropped (and counted). */
const MAX_PENDING = 256;
/** Re-decoding a whole open buffer is costly: never more often than this for non-streaming engines. */
const MIN_REDECODE_INTERVAL_MS = 2000;
const GATE_MS = 500;
/**
 * Audio kept around each VAD span when transcribing: the VAD pads speech by only ~30 ms, and
 * pocketsphinx (whose own segmenter and cepstral normalisation start fresh per process) loses
 * word onsets without some silence before them.
 */
const CONTEXT_MS = 250;

interface Span {
  readonly startTs: number;
  readonly endTs: number;
}

function toCoded(err: unknown): Error {
  if (err instanceof InferenceError) return err;
  return new InferenceError('INFER_FAILED', `asr: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}

/** Reads speech_segments rows defensively: they come from another analyzer. */
function spansOf(batch: ResultBatch): Span[] {
  const out: Span[] = [];
  for (const row of batch.rows as ReadonlyArray<Partial<Span>>) {
    const { startTs, endTs } = row ?? {};
    if (
      typeof startTs === 'number' &&
      typeof endTs === 'number' &&
      Number.isFinite(startTs) &&
      endTs > startTs
    ) {
      out.push({ startTs, endTs });
    }
  }
  return out;
}

export function createAsrInstance(
  ctx: AnalyzerContext,
  config: AsrConfig,
  transcriber: Transcriber | null,
): AnalyzerInstance {
  const maxMs = Math.min(config.maxUtteranceMs, transcriber?.info.maxUtteranceMs ?? Infinity);
  const ring = createAudioRing(config.bufferMs);
  const profile = profileOf(ctx);
  const pending: Span[] = [];
  let nextSeg = 1;
  let dead = transcriber === null;
  let closed = false;
  // End of the last span the VAD closed: audio after it belongs to the open utterance.
  let closedUntil = -Infinity;
  // Every engine call goes through this chain: one decode at a time per instance.
  let chain: Promise<unknown> = Promise.resolve();
  let stream: TranscriptStream | null = null;
  let streamFedSinceLive = 0;
  let partialBusy: Promise<void> | null = null;
  let partialCut: AbortController | null = null;
  let lastPartialAt = -Infinity;
  const totals = {
    utterances: 0,
    words: 0,
    transcribedMs: 0,
    skippedShort: 0,
    empty: 0,
    droppedSpans: 0,
    partials: 0,
  };

  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = chain.then(fn, fn);
    chain = run.catch(() => undefined);
    return run;
  };

  const endStream = (): void => {
    stream?.close();
    stream = null;
  };

  const fail = (err: unknown): void => {
    if (dead) return;
    dead = true;
    endStream();
    ctx.fail(toCoded(err));
  };

  const transcribeSpan = async (span: Span): Promise<void> => {
    const audio = ring.extract(span.startTs - CONTEXT_MS, span.endTs + CONTEXT_MS);
    const durMs = audio ? (audio.samples.length / SAMPLE_RATE) * 1000 : 0;
    if (!audio || span.endTs - span.startTs < config.minUtteranceMs) {
      totals.skippedShort++;
      return;
    }
    // measure() times the synchronous part of the call: all of an in-process (sherpa) decode,
    // only the spawn of a pocketsphinx process (whose CPU is its own, not this process's).
    const r = await serial(() =>
      profile.measure('asr', () => transcriber!.transcribe(audio.samples, 0, ctx.signal)),
    );
    if (r.childCpuMs) profile.addChild('asr', r.childCpuMs);
    totals.transcribedMs += durMs;
    if (r.text.trim() === '') {
      totals.empty++;
      return;
    }
    // Engines time words from 0; the ring's anchors put them on the chunks' wall clock.
    const words = r.words.map((w) => ({
      word: w.word,
      startTs: Math.round(clockAt(audio.anchors, w.startTs)),
      endTs: Math.round(clockAt(audio.anchors, w.endTs)),
      confidence: w.confidence,
    }));
    const row: TranscriptSegmentRow = {
      sourceId: ctx.sourceId,
      segmentId: `seg-${nextSeg++}`,
      startTs: Math.round(audio.startTs),
      endTs: Math.round(audio.endTs),
      text: r.text,
      language: r.language,
      confidence: r.confidence,
      engine: transcriber!.info.engine,
      speakerId: '',
      personId: '',
      words,
    };
    totals.utterances++;
    totals.words += words.length;
    await ctx.emit({ table: 'transcript_segments', rows: [row] });
    const data: TranscriptLiveData = {
      segmentId: row.segmentId,
      partial: false,
      text: row.text,
      startTs: row.startTs,
      endTs: row.endTs,
      language: row.language,
      confidence: row.confidence,
      engine: row.engine,
      words,
    };
    ctx.pushLive({ kind: 'transcript', ts: row.startTs, data });
  };

  const drain = async (force: boolean): Promise<void> => {
    while (!dead && pending.length > 0 && (force || ring.latestTs >= pending[0]!.endTs + CONTEXT_MS)) {
      const span = pending.shift()!;
      try {
        await transcribeSpan(span);
      } catch (err) {
        fail(err);
      }
    }
  };

  const pushPartial = (text: string, ts: number): void => {
    if (text.trim() === '') return;
    totals.partials++;
    const data: TranscriptLiveData = { segmentId: `seg-${nextSeg}`, partial: true, text: text.trim() };
    ctx.pushLive({ kind: 'transcript', ts: Math.round(ts), data });
  };

  const speaking = (chunk: AudioInput): boolean => {
    const n = Math.min(chunk.samples.length, (GATE_MS * SAMPLE_RATE) / 1000);
    return rmsDbfs(chunk.samples, chunk.samples.length - n) >= config.partialMinDbfs;
  };

  const streamPartial = (chunk: AudioInput): void => {
    if (!stream) {
      if (!speaking(chunk)) return;
      stream = transcriber!.openStream!();
      streamFedSinceLive = 0;
    }
    const p = stream.accept(chunk.samples);
    streamFedSinceLive += (chunk.samples.length / SAMPLE_RATE) * 1000;
    if (p && (p.endpoint || streamFedSinceLive >= config.partialIntervalMs)) {
      streamFedSinceLive = 0;
      pushPartial(p.text, chunk.ts);
    }
    if (p?.endpoint) endStream();
  };

  const redecodePartial = (chunk: AudioInput): void => {
    const now = ring.latestTs;
    const interval = Math.max(config.partialIntervalMs, MIN_REDECODE_INTERVAL_MS);
    if (partialBusy || now - lastPartialAt < interval || !speaking(chunk)) return;
    const from = Math.max(closedUntil, now - maxMs, ring.earliestTs);
    const audio = ring.extract(from, now);
    if (!audio || (audio.samples.length / SAMPLE_RATE) * 1000 < config.minUtteranceMs) return;
    lastPartialAt = now;
    const seg = nextSeg;
    // A partial gives way to the final: once the VAD closes the utterance it is cut short.
    const cut = new AbortController();
    partialCut = cut;
    partialBusy = serial(() =>
      profile.measure('asr', () =>
        transcriber!.transcribe(audio.samples, 0, AbortSignal.any([ctx.signal, cut.signal])),
      ),
    )
      .then((r) => {
        if (r.childCpuMs) profile.addChild('asr', r.childCpuMs);
        // A final for this utterance may have landed meanwhile: then the partial is stale.
        if (!dead && !closed && seg === nextSeg) pushPartial(r.text, audio.startTs);
      })
      // A failed partial costs only that partial; finals report engine failures.
      .catch(() => undefined)
      .finally(() => {
        partialBusy = null;
        if (partialCut === cut) partialCut = null;
      });
  };

  return {
    async audio(chunk) {
      if (dead || closed) return;
      profile.measure('asr', () => ring.push(chunk.ts, chunk.samples));
      await drain(false);
      if (!ctx.live || dead) return;
      try {
        // A streaming engine decodes inside accept(), natively on this thread: the analyzer's work.
        if (transcriber!.info.streaming && transcriber!.openStream)
          profile.measure('asr', () => streamPartial(chunk));
        else redecodePartial(chunk);
      } catch (err) {
        fail(err);
      }
    },
    async results(_from, batch) {
      if (dead || closed || batch.table !== 'speech_segments') return;
      // The final of this utterance comes next: a partial decode still running is now wasted time.
      partialCut?.abort();
      for (const span of spansOf(batch)) {
        closedUntil = Math.max(closedUntil, span.endTs);
        for (const [startTs, endTs] of splitSpan(span.startTs, span.endTs, maxMs)) {
          if (pending.length >= MAX_PENDING) {
            pending.shift();
            totals.droppedSpans++;
          }
          pending.push({ startTs, endTs });
        }
      }
      // The utterance the stream was following has closed; the next one gets a fresh stream.
      endStream();
      await drain(false);
    },
    async gap() {
      await drain(true);
      ring.clear();
      endStream();
    },
    async finish() {
      await drain(true);
      await partialBusy;
      endStream();
    },
    summary() {
      return {
        engine: transcriber?.info.engine ?? null,
        label: transcriber?.info.label ?? null,
        ...totals,
        transcribedMs: Math.round(totals.transcribedMs),
        droppedAudioMs: Math.round((ring.droppedSamples / SAMPLE_RATE) * 1000),
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      endStream();
      await transcriber?.close();
    },
  };
}
