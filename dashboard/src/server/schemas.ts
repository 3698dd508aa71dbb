// Request schemas that exist only on the HTTP surface (params, query strings, login). The bodies and
// views shared with the browser live in ../protocol.ts; these extend them and feed the same OpenAPI.
import { z } from 'zod';
import { TimeRangeQuery } from '../protocol.ts';

export const SourceParams = z.object({ id: z.string().min(1).max(128) }).strict();

export const UploadParams = z
  .object({ filename: z.string().min(1).max(255).describe('original file name (sanitised on disk)') })
  .strict();

// Query strings carry text; z.coerce.boolean() would read "false" as true.
const QueryBoolean = z
  .enum(['true', 'false', '1', '0'])
  .default('false')
  .transform((v) => v === 'true' || v === '1');

export const UploadQuery = z
  .object({
    fps: z.coerce.number().positive().max(30).default(5).describe('analysis frames per second'),
    realtime: QueryBoolean.describe('read the file at its native rate, as if live'),
    id: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/)
      .optional()
      .describe('source id; generated when omitted'),
  })
  .strict();

export const DetectionsQuery = TimeRangeQuery.strict();

export const TracksQuery = TimeRangeQuery.omit({ limit: true }).strict();

export const SegmentsQuery = TimeRangeQuery.extend({
  source: z.string().min(1).max(128).optional().describe('source id; all sources when omitted'),
  gap: z.coerce
    .number()
    .int()
    .min(0)
    .max(3_600_000)
    .optional()
    .describe('tracks separated by at most this many ms merge into one segment (default 1000)'),
  limit: z.coerce.number().int().positive().max(100_000).default(1000),
}).strict();

export const TimelineQuery = z
  .object({
    from: z.coerce.number().int().optional().describe('epoch ms, inclusive (rounded down to the second)'),
    to: z.coerce.number().int().optional().describe('epoch ms, exclusive'),
    classes: z
      .string()
      .max(4096)
      .optional()
      .describe('comma-separated class names; all classes when omitted'),
  })
  .strict();

export const FrameQuery = z
  .object({
    ts: z.coerce.number().int().nonnegative().describe('epoch ms of the wanted frame'),
    download: QueryBoolean.describe('send as an attachment (Content-Disposition), for a snapshot download'),
  })
  .strict();

export const ExportQuery = TimeRangeQuery.extend({
  what: z.enum(['detections', 'tracks', 'segments']),
  format: z.enum(['json', 'csv']).default('csv'),
  limit: z.coerce.number().int().positive().max(1_000_000).default(100_000),
}).strict();
export type ExportQuery = z.infer<typeof ExportQuery>;

export const LoginBody = z.object({ token: z.string().min(1).max(4096) }).strict();

export const SessionView = z.object({ authenticated: z.literal(true) });

export const HealthView = z.object({ status: z.literal('ok') });
