// A sherpa engine needs several files (encoder, decoder, [joiner], tokens); each is its own model
// registry entry (manifest-asr.ts), so download, progress, caching and sha256 checks are the
// registry's. A model set names the entries one engine loads together.
import type { ModelRegistry, ResolveOptions } from '../models/registry.ts';

export type SherpaEngineId = 'sherpa-whisper' | 'sherpa-zipformer';

export interface AsrModelSet {
  readonly id: string;
  readonly engine: SherpaEngineId;
  readonly label: string;
  readonly multilingual: boolean;
  /** Language of a single-language set ('' for multilingual sets). */
  readonly language: string;
  /** Registry ids of the parts. */
  readonly parts: {
    readonly encoder: string;
    readonly decoder: string;
    readonly joiner?: string;
    readonly tokens: string;
  };
}

/** Known sets, best first: `auto` picks the first one whose files are all present. */
export const ASR_MODEL_SETS: readonly AsrModelSet[] = Object.freeze([
  {
    id: 'whisper-base-en',
    engine: 'sherpa-whisper',
    label: 'Whisper base.en (sherpa-onnx, English)',
    multilingual: false,
    language: 'en',
    parts: {
      encoder: 'whisper-base-en.encoder',
      decoder: 'whisper-base-en.decoder',
      tokens: 'whisper-base-en.tokens',
    },
  },
  {
    id: 'whisper-tiny-en',
    engine: 'sherpa-whisper',
    label: 'Whisper tiny.en (sherpa-onnx, English)',
    multilingual: false,
    language: 'en',
    parts: {
      encoder: 'whisper-tiny-en.encoder',
      decoder: 'whisper-tiny-en.decoder',
      tokens: 'whisper-tiny-en.tokens',
    },
  },
  {
    id: 'zipformer-en-streaming',
    engine: 'sherpa-zipformer',
    label: 'Streaming zipformer (sherpa-onnx, English)',
    multilingual: false,
    language: 'en',
    parts: {
      encoder: 'zipformer-en-streaming.encoder',
      decoder: 'zipformer-en-streaming.decoder',
      joiner: 'zipformer-en-streaming.joiner',
      tokens: 'zipformer-en-streaming.tokens',
    },
  },
] satisfies AsrModelSet[]);

export interface ResolvedModelSet {
  readonly set: AsrModelSet;
  readonly paths: {
    readonly encoder: string;
    readonly decoder: string;
    readonly joiner: string;
    readonly tokens: string;
  };
}

const partIds = (set: AsrModelSet): string[] =>
  [set.parts.encoder, set.parts.decoder, set.parts.joiner, set.parts.tokens].filter((x): x is string => !!x);

/**
 * The first set (of `engine`, when given) whose every file is present locally (models dir or
 * cache). Nothing is hashed here; resolveModelSet checks.
 */
export async function findLocalModelSet(
  registry: ModelRegistry,
  sets: readonly AsrModelSet[],
  engine?: SherpaEngineId,
): Promise<AsrModelSet | null> {
  const present = new Set((await registry.list()).filter((s) => s.origin !== null).map((s) => s.spec.id));
  return (
    sets.find((s) => (!engine || s.engine === engine) && partIds(s).every((id) => present.has(id))) ?? null
  );
}

/** Resolves every part (sha256-checked; downloaded when allowed): MODEL_NOT_FOUND / MODEL_HASH_MISMATCH. */
export async function resolveModelSet(
  registry: ModelRegistry,
  set: AsrModelSet,
  opts: ResolveOptions = {},
): Promise<ResolvedModelSet> {
  const path = async (id: string | undefined): Promise<string> =>
    id ? (await registry.resolve(id, opts)).path : '';
  return {
    set,
    paths: {
      encoder: await path(set.parts.encoder),
      decoder: await path(set.parts.decoder),
      joiner: await path(set.parts.joiner),
      tokens: await path(set.parts.tokens),
    },
  };
}
