// Rows of the zero-shot tags analyzer (issue 11).

/** Where a tag was looked for: the person's crop, the whole frame, or around wrists/ankles. */
export type TagScope = 'person' | 'frame' | 'wrists' | 'ankles';
/** Vocabulary categories (tags/vocabulary.json). */
export type TagCategory = 'clothing' | 'restraint' | 'context' | 'scene';

/** One tag of one track (or of the frame) aggregated over one window (table `tags`). */
export interface TagRow {
  readonly sourceId: string;
  /** detect's person track; -1 for frame-scope tags. */
  readonly trackId: number;
  readonly scope: TagScope;
  readonly category: TagCategory;
  readonly tag: string;
  /** Mean probability over the window's frames (softmax over the category's prompts). */
  readonly score: number;
  readonly maxScore: number;
  readonly startTs: number;
  readonly endTs: number;
  readonly frames: number;
  readonly modelId: string;
  /** The job the source belongs to ('' for sources outside jobs). */
  readonly jobId: string;
}
