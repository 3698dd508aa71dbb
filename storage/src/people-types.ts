// Records of the people (faces → persons) and shots features (migration v4). Store methods that
// read and write them are declared on `Store` in types.ts.

/** One detected face on one frame (append-only). Box in source-frame pixels, x1,y1,x2,y2. */
export interface FaceRecord {
  readonly sourceId: string;
  readonly ts: number;
  readonly frameSeq: number;
  /** The face track this face belongs to; an appearance's id is its face track id. */
  readonly faceTrackId: number;
  /** The person (body) track the face was linked to, 0 if none. */
  readonly personTrackId: number;
  readonly box: readonly [number, number, number, number];
  readonly score: number;
  /** Face quality score, 0..1. */
  readonly quality: number;
  /** Good enough to embed (quality gate passed). */
  readonly good: boolean;
}

/** A face as listed: with the person its appearance is currently assigned to ('' if none). */
export interface FaceWithPerson extends FaceRecord {
  readonly personId: string;
}

export type AppearanceAssignment = 'auto' | 'unsure' | 'manual';

/**
 * One appearance: a finished face track of a source and who it is. Mutable entity
 * (ReplacingMergeTree by (sourceId, appearanceId)): an upsert with a higher `version` replaces the
 * row; a row with `deleted: true` hides it.
 */
export interface AppearanceRecord {
  readonly sourceId: string;
  /** = the face track id. */
  readonly appearanceId: number;
  /** Assigned person, '' when none (e.g. unsure). */
  readonly personId: string;
  readonly startTs: number;
  readonly endTs: number;
  readonly faces: number;
  readonly goodFaces: number;
  readonly quality: number;
  readonly bestTs: number;
  readonly bestBox: readonly [number, number, number, number];
  /** File name of the image for image folders, '' otherwise. */
  readonly media: string;
  /** Base64 JPEG thumbnail of the best face, may be ''. */
  readonly crop: string;
  /** L2-normalised face embedding (may be empty). Stored as Float32; read back as Float32Array. */
  readonly embedding: readonly number[] | Float32Array;
  readonly assignment: AppearanceAssignment;
  /** Similarity to the assigned (or candidate) person when assigned automatically, else 0. */
  readonly similarity: number;
  /** For 'unsure': the person it may be; else ''. */
  readonly candidatePersonId: string;
  /** Persons the user said this appearance is not. */
  readonly rejected: readonly string[];
  /** Row version: the highest wins. Use a monotonic counter (see `nextVersion`). */
  readonly version: number;
  readonly deleted: boolean;
}

/** An appearance as read back: the embedding is a Float32Array (empty unless asked for). */
export interface StoredAppearance extends AppearanceRecord {
  readonly embedding: Float32Array;
}

/** A key of one appearance. */
export interface AppearanceKey {
  readonly sourceId: string;
  readonly appearanceId: number;
}

export interface AppearanceQuery {
  readonly personId?: string;
  readonly sourceId?: string;
  readonly assignment?: AppearanceAssignment;
  /** Only these appearances. */
  readonly keys?: readonly AppearanceKey[];
  /** Transfer embeddings (128–512 floats each); otherwise `embedding` is empty. Default false. */
  readonly withEmbedding?: boolean;
  readonly limit?: number;
  readonly signal?: AbortSignal;
}

/** A person (mutable entity, ReplacingMergeTree by id; the highest `version` wins). */
export interface PersonRecord {
  /** `Person_001`, `Person_002`, … */
  readonly id: string;
  readonly seq: number;
  /** '' until the user names the person. */
  readonly name: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** The person this one was merged into, '' unless merged. */
  readonly mergedInto: string;
  readonly version: number;
  readonly deleted: boolean;
}

export type PersonEventKind =
  'create' | 'rename' | 'merge' | 'split' | 'move' | 'undo-auto' | 'confirm' | 'reject';

/** One entry of a person's history (append-only). */
export interface PersonEventRecord {
  readonly id: string;
  readonly personId: string;
  readonly ts: number;
  readonly kind: PersonEventKind;
  readonly actor: 'user' | 'auto';
  /** JSON string. */
  readonly detail: string;
}

/** Aggregates over a person's live appearances. */
export interface PersonStats {
  readonly personId: string;
  readonly appearances: number;
  /** Sum of (endTs − startTs) over the appearances. */
  readonly screenMs: number;
  /** Distinct sources. */
  readonly sources: number;
  /** Appearances in still images (media ≠ ''). */
  readonly stills: number;
  readonly firstTs: number;
  readonly lastTs: number;
}

/** An appearance near a query embedding. */
export interface SimilarAppearance {
  readonly sourceId: string;
  readonly appearanceId: number;
  readonly personId: string;
  /** 1 − cosine distance. */
  readonly similarity: number;
}

export interface SimilarityQuery {
  readonly embedding: readonly number[] | Float32Array;
  readonly k: number;
  /** Drop neighbours below this similarity. */
  readonly minSimilarity?: number;
  readonly signal?: AbortSignal;
}

/** Exposure of a frame: mean luma and the clipped fractions, all 0..1. */
export interface ShotExposure {
  readonly mean: number;
  readonly clippedLow: number;
  readonly clippedHigh: number;
}

/** One shot (between two cuts) of a source (append-only). */
export interface ShotRecord {
  readonly sourceId: string;
  readonly index: number;
  readonly startTs: number;
  readonly endTs: number;
  /** The sharpest frame of the shot. */
  readonly keyframeTs: number;
  readonly cutScore: number;
  /** ≤ 5 colours as 0xRRGGBB, by share. */
  readonly palette: readonly number[];
  readonly sharpness: number;
  readonly exposure: ShotExposure;
}
