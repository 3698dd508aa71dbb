import { z } from 'zod';
import { MAX_CROPS } from './tagger.ts';

/** Config of the `tags` analyzer (validated once at start; errors name the key). */
export const tagsConfigSchema = z
  .object({
    /** Each person track (and the frame) is tagged at most this often: bounds the cost. */
    everyMs: z.number().int().min(100).max(60_000).default(1000),
    /** Scores are averaged per track, scope and tag over windows of this length. */
    windowMs: z.number().int().min(250).max(600_000).default(2000),
    /** Mean window score a tag needs to be kept (a category's own threshold wins). */
    threshold: z.number().gt(0).lt(1).default(0.3),
    /** Person crops per frame at most (the largest first). */
    maxPersons: z
      .number()
      .int()
      .min(1)
      .max(Math.floor((MAX_CROPS - 1) / 2))
      .default(4),
    /** Tag whole frames too (scope 'frame', trackId -1). */
    frames: z.boolean().default(true),
    /** When pose runs: tag squares around wrists and ankles (scopes 'wrists', 'ankles'). */
    limbs: z.boolean().default(true),
    /** A vocabulary JSON of one's own (default: the user's override, else the built-in one). */
    vocabularyFile: z.string().min(1).optional(),
  })
  .strict();

export type TagsConfig = z.infer<typeof tagsConfigSchema>;
