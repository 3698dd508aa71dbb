// One source's speakers analyzer: VAD turns (or offline diarization runs) → embedded pieces →
// speakers S1, S2, … → `speaker_turns`, `speakers`, transcript segments re-emitted with their
// speaker and person, links to persons from visible faces. Every buffer is bounded.
import type { AnalyzerContext, AnalyzerInstance, AudioInput, ResultBatch } from '../analyzers/contract.ts';
import { createAudioRing } from '../asr/audio-ring.ts';
import { InferenceError } from '../errors.ts';
import { profileOf } from '../profile/index.ts';
import { createSpeakerBook } from './book.ts';
import type { Span } from './changes.ts';
import { createSpeakerClusterer } from './cluster.ts';
import type { SpeakersConfig } from './config.ts';
import type { SpeakerEmbedder } from './embedder.ts';
import { parseAppearances, parseSpeechSegments, parseTranscriptSegments } from './inputs.ts';
import type { OfflineDiarizer } from './offline.ts';
import {
  createVersionCounter,
  type SpeakerLiveData,
  type SpeakerRow,
  type SpeakerTurnRow,
  type TranscriptSegmentRow,
} from './records.ts';
import { speakerForSegment } from './transcript.ts';
import { embedTurn } from './turns.ts';

const round1 = (ts: number): number => Math.round(ts * 10) / 10;
const MAX_PENDING_TURNS = 4096;

export function createSpeakersInstance(
  ctx: AnalyzerContext,
  config: SpeakersConfig,
  shared: SpeakerEmbedder,
  offline: OfflineDiarizer | null,
): AnalyzerInstance {
  const profile = profileOf(ctx);
  // An embedding's synchronous part is this analyzer's JS-thread work: all of a sherpa extractor's
  // (fbank and model, native, in this thread), our fbank before an ORT run (charged on its own).
  const embedder: SpeakerEmbedder = {
    engine: shared.engine,
    dim: shared.dim,
    meta: shared.meta,
    embed: (samples) => profile.measure('speakers', () => shared.embed(samples)),
    close: () => shared.close(),
  };
  // Offline runs hold the whole run (bounded by maxOfflineMs) and diarize it at its end.
  const ring = createAudioRing(offline ? config.maxOfflineMs + 60_000 : config.audioBufferMs);
  const book = createSpeakerBook({
    ...config,
    minShare: config.linkMinShare,
    minSpeakingMs: config.linkMinSpeakingMs,
  });
  const clusterer = createSpeakerClusterer(embedder.dim, config);
  const nextVersion = createVersionCounter();
  const pendingTurns: Span[] = [];
  const pendingTranscripts = new Map<string, TranscriptSegmentRow>();
  const sentTranscripts = new Map<string, TranscriptSegmentRow>();
  let runStartTs = NaN;
  let runSamples = 0;
  let audioEnd = -Infinity;
  let turnsEnd = -Infinity;
  let done = false; // failed or closed: inputs are ignored
  let closed = false;
  const n = {
    vadTurns: 0,
    turns: 0,
    pieces: 0,
    windows: 0,
    shortJoined: 0,
    shortSkipped: 0,
    noAudio: 0,
    droppedTurns: 0,
    forced: 0,
    badRows: 0,
    transcripts: 0,
    transcriptsLabelled: 0,
    offlineRuns: 0,
    embedMs: 0,
  };

  const speakerRow = (id: string): SpeakerRow => {
    const s = book.speaker(id)!;
    const mean = clusterer.meanEmbedding(id) ?? new Float32Array(0);
    return {
      sourceId: ctx.sourceId,
      speakerId: id,
      label: '',
      personId: s.personId,
      link: s.link,
      speakingMs: Math.round(s.speakingMs),
      turns: s.turns,
      embedding: Array.from(mean, (x) => Math.round(x * 1e6) / 1e6),
      version: nextVersion(),
    };
  };

  const emitTranscript = async (rows: TranscriptSegmentRow[]): Promise<void> => {
    for (const r of rows) {
      sentTranscripts.delete(r.segmentId);
      sentTranscripts.set(r.segmentId, r);
      if (sentTranscripts.size > config.maxTranscriptsKept)
        sentTranscripts.delete(sentTranscripts.keys().next().value!);
    }
    if (rows.length > 0) await ctx.emit({ table: 'transcript_segments', rows });
  };

  /** Turns were added or faces changed: links, speakers rows, transcripts. */
  const publish = async (turns: SpeakerTurnRow[], touched: Set<string>): Promise<void> => {
    const relinked = book.relink();
    for (const id of relinked) touched.add(id);
    if (turns.length > 0) await ctx.emit({ table: 'speaker_turns', rows: turns });
    for (const t of turns) {
      const data: SpeakerLiveData = {
        speakerId: t.speakerId,
        startTs: t.startTs,
        endTs: t.endTs,
        personId: book.speaker(t.speakerId)?.personId ?? '',
      };
      ctx.pushLive({ kind: 'speaker', ts: t.endTs, data });
    }
    if (touched.size > 0) await ctx.emit({ table: 'speakers', rows: [...touched].map(speakerRow) });
    if (relinked.length > 0) {
      const again = [...sentTranscripts.values()]
        .filter((r) => relinked.includes(r.speakerId))
        .map((r) => ({ ...r, personId: book.speaker(r.speakerId)?.personId ?? '' }));
      await emitTranscript(again);
    }
    await resolveTranscripts(false);
  };

  /** Rows for assigned pieces (in time order); neighbouring pieces of one speaker become one turn. */
  const toTurns = (pieces: ReadonlyArray<{ span: Span; speakerId: string }>): SpeakerTurnRow[] => {
    const out: SpeakerTurnRow[] = [];
    for (const p of pieces) {
      const prev = out[out.length - 1];
      if (prev && prev.speakerId === p.speakerId && Math.abs(prev.endTs - p.span.startTs) < 1) {
        out[out.length - 1] = { ...prev, endTs: round1(p.span.endTs) };
        continue;
      }
      out.push({
        sourceId: ctx.sourceId,
        speakerId: p.speakerId,
        startTs: round1(p.span.startTs),
        endTs: round1(p.span.endTs),
      });
    }
    return out;
  };

  const record = (rows: readonly SpeakerTurnRow[], out: SpeakerTurnRow[], touched: Set<string>): void => {
    for (const t of rows) {
      book.addTurn(t);
      out.push(t);
      touched.add(t.speakerId);
      n.turns++;
    }
  };

  const processTurn = async (span: Span, out: SpeakerTurnRow[], touched: Set<string>): Promise<void> => {
    turnsEnd = Math.max(turnsEnd, span.endTs);
    if (span.endTs - span.startTs < config.minTurnMs) {
      const last = out[out.length - 1] ?? book.lastTurn;
      if (last && span.startTs - last.endTs <= config.mergeGapMs) {
        n.shortJoined++;
        record(
          [
            {
              sourceId: ctx.sourceId,
              speakerId: last.speakerId,
              startTs: round1(span.startTs),
              endTs: round1(span.endTs),
            },
          ],
          out,
          touched,
        );
      } else n.shortSkipped++;
      return;
    }
    const audio = ring.extract(span.startTs, span.endTs);
    if (!audio || audio.samples.length < config.minTurnMs * 16) {
      n.noAudio++;
      return;
    }
    const t0 = performance.now();
    const e = await embedTurn(audio, embedder, config);
    n.embedMs += performance.now() - t0;
    n.windows += e.windows;
    n.pieces += e.pieces.length;
    const assigned = e.pieces.map((p) => {
      const a = clusterer.assign(p.embedding, p.span.endTs - p.span.startTs);
      if (a.forced) n.forced++;
      return { span: p.span, speakerId: a.speakerId };
    });
    record(toTurns(assigned), out, touched);
  };

  /** Processes the VAD turns whose audio has arrived (all of them when `force`). */
  const processReady = async (force: boolean): Promise<void> => {
    if (offline) return;
    const out: SpeakerTurnRow[] = [];
    const touched = new Set<string>();
    pendingTurns.sort((a, b) => a.startTs - b.startTs);
    while (pendingTurns.length > 0 && (force || pendingTurns[0]!.endTs <= audioEnd)) {
      await processTurn(pendingTurns.shift()!, out, touched);
    }
    if (out.length > 0 || force) await publish(out, touched);
  };

  /** Offline: diarizes the run held in the ring, maps its speakers onto the source's. */
  const diarizeRun = async (): Promise<void> => {
    if (!offline || !(runSamples > 0)) return;
    const all = ring.extract(runStartTs, Infinity);
    ring.clear();
    if (!all) return;
    n.offlineRuns++;
    const segs = profile.measure('speakers', () => offline.process(all.samples));
    const local = new Map<number, Span[]>();
    for (const s of segs) {
      const span = { startTs: all.startTs + s.start * 1000, endTs: all.startTs + s.end * 1000 };
      local.set(s.speaker, [...(local.get(s.speaker) ?? []), span]);
    }
    const pieces: Array<{ span: Span; speakerId: string }> = [];
    for (const spans of local.values()) {
      const speech = concatSpans(all, spans, 30_000);
      if (speech.length < 400) continue;
      const a = clusterer.assign(await embedder.embed(speech), speech.length / 16);
      for (const span of spans) pieces.push({ span, speakerId: a.speakerId });
    }
    pieces.sort((a, b) => a.span.startTs - b.span.startTs);
    const out: SpeakerTurnRow[] = [];
    const touched = new Set<string>();
    record(toTurns(pieces), out, touched);
    turnsEnd = Math.max(turnsEnd, all.startTs + all.samples.length / 16);
    await publish(out, touched);
  };

  /** Ends a run of continuous audio (a gap, or an offline run at its size bound). */
  const endRun = async (): Promise<void> => {
    if (offline) await diarizeRun();
    else await processReady(true);
    ring.clear();
    runStartTs = NaN;
    runSamples = 0;
  };

  const resolveTranscripts = async (force: boolean): Promise<void> => {
    const rows: TranscriptSegmentRow[] = [];
    for (const [id, seg] of pendingTranscripts) {
      const over = pendingTranscripts.size - config.maxTranscriptsKept > 0;
      const ready =
        force || over || turnsEnd >= seg.endTs || audioEnd >= seg.endTs + config.transcriptSettleMs;
      if (!ready) continue;
      pendingTranscripts.delete(id);
      const s = speakerForSegment(seg, book.turns);
      if (!s.speakerId) continue;
      n.transcriptsLabelled++;
      rows.push({ ...seg, speakerId: s.speakerId, personId: book.speaker(s.speakerId)?.personId ?? '' });
    }
    await emitTranscript(rows);
  };

  // One failure stops this analyzer alone: the host records it, the job goes on.
  const guard = async (fn: () => Promise<void>): Promise<void> => {
    if (done) return;
    try {
      await fn();
    } catch (err) {
      done = true;
      ctx.fail(
        err instanceof InferenceError
          ? err
          : new InferenceError('INFER_FAILED', `speakers: ${String(err)}`, { cause: err }),
      );
    }
  };

  const onResults = async (from: string, batch: ResultBatch): Promise<void> => {
    if (batch.table === 'speech_segments') {
      const { ok, bad } = parseSpeechSegments(batch.rows);
      n.badRows += bad;
      n.vadTurns += ok.length;
      if (offline) return; // offline runs find their own turns
      for (const s of ok) if (s.endTs > s.startTs) pendingTurns.push(s);
      while (pendingTurns.length > MAX_PENDING_TURNS) {
        pendingTurns.shift();
        n.droppedTurns++;
      }
      await processReady(false);
    } else if (batch.table === 'transcript_segments' && from !== 'speakers') {
      const { ok, bad } = parseTranscriptSegments(batch.rows);
      n.badRows += bad;
      n.transcripts += ok.length;
      for (const seg of ok) {
        pendingTranscripts.delete(seg.segmentId);
        pendingTranscripts.set(seg.segmentId, { ...seg, sourceId: ctx.sourceId });
      }
      await resolveTranscripts(false);
    } else if (batch.table === 'appearances') {
      const { ok, bad } = parseAppearances(batch.rows);
      n.badRows += bad;
      book.upsertFaceTracks(ok);
      await publish([], new Set());
    }
  };

  return {
    async audio(chunk: AudioInput) {
      await guard(async () => {
        if (chunk.sampleRate !== 16000)
          throw new InferenceError(
            'INFER_BAD_CONFIG',
            `analyzer speakers: expects 16000 Hz audio, got ${chunk.sampleRate} Hz`,
          );
        if (Number.isNaN(runStartTs)) runStartTs = chunk.ts;
        runSamples += chunk.samples.length;
        ring.push(chunk.ts, chunk.samples);
        audioEnd = Math.max(audioEnd, chunk.ts + chunk.samples.length / 16);
        if (offline && runSamples >= config.maxOfflineMs * 16) await endRun();
        else await processReady(false);
      });
    },
    async results(from, batch) {
      await guard(() => onResults(from, batch));
    },
    async gap() {
      await guard(endRun);
    },
    async finish() {
      await guard(async () => {
        if (offline) await diarizeRun();
        else await processReady(true);
        await resolveTranscripts(true);
      });
    },
    summary() {
      return {
        ...n,
        embedMs: Math.round(n.embedMs),
        speakers: clusterer.size,
        engine: embedder.engine,
        mode: offline ? 'offline' : 'vad',
        faceTracks: book.faceTracks,
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      done = true;
      pendingTurns.length = 0;
      pendingTranscripts.clear();
      ring.clear();
      await embedder.close();
    },
  };
}

/** The samples of `spans` (within `all`), concatenated, at most `maxMs`. */
function concatSpans(
  all: { startTs: number; samples: Float32Array },
  spans: readonly Span[],
  maxMs: number,
): Float32Array {
  const parts: Float32Array[] = [];
  let total = 0;
  for (const s of spans) {
    const a = Math.max(0, Math.round((s.startTs - all.startTs) * 16));
    const b = Math.min(all.samples.length, Math.round((s.endTs - all.startTs) * 16), a + maxMs * 16 - total);
    if (b > a) {
      parts.push(all.samples.subarray(a, b));
      total += b - a;
    }
    if (total >= maxMs * 16) break;
  }
  const out = new Float32Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
