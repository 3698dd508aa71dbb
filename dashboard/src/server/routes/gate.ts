// Quarantined sources and the audit log (issue 11, the minor-protection gate): metadata only, for
// an admin's review. No route here (or anywhere) serves pixels of a quarantined source.
import { z } from 'zod';
import type { ServerDeps } from '../deps.ts';
import { defineRoute, type ApiRoute } from '../route.ts';
import { AuditView, QuarantineView } from '../../safety-protocol.ts';

const QuarantineQuery = z.object({ sourceId: z.string().max(256).optional() }).strict();
const AuditQuery = z
  .object({
    subjectKind: z.enum(['source', 'safety-event', 'person']).optional(),
    subjectId: z.string().max(256).optional(),
    limit: z.coerce.number().int().positive().max(10_000).default(500),
  })
  .strict();

export function gateRoutes(deps: ServerDeps): ApiRoute[] {
  return [
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/quarantines',
        operationId: 'listQuarantines',
        summary: 'Quarantined sources (first quarantine of each), oldest first: metadata only',
        tag: 'safety',
        auth: 'session',
        query: QuarantineQuery,
        responses: { 200: { description: 'Quarantines', schema: z.array(QuarantineView) } },
      },
      async ({ query, signal }) => deps.store.listQuarantines({ sourceId: query.sourceId, signal }),
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/audit',
        operationId: 'listAudit',
        summary: 'The audit log (quarantines, reviews, acknowledgements), newest first',
        tag: 'safety',
        auth: 'session',
        query: AuditQuery,
        responses: { 200: { description: 'Audit events', schema: z.array(AuditView) } },
      },
      async ({ query, signal }) =>
        deps.store.listAuditEvents({
          subjectKind: query.subjectKind,
          subjectId: query.subjectId,
          limit: query.limit,
          signal,
        }),
    ),
  ];
}
