// Safety events, their acknowledgement, and the risk series (issue 11).
import { z } from 'zod';
import { loadRules, type SafetyEventStatus } from '@aima/inference';
import { DashboardError } from '../../errors.ts';
import { RiskSeriesView, SafetyEventView, SafetyReviewBody, SafetyRulesView } from '../../safety-protocol.ts';
import type { ServerDeps } from '../deps.ts';
import { defineRoute, type ApiRoute } from '../route.ts';
import { SourceParams } from '../schemas.ts';
import { requireSource } from './guards.ts';

const EventsQuery = z
  .object({
    source: z.string().min(1).max(128).optional().describe('one source'),
    status: z.enum(['new', 'acknowledged', 'dismissed']).optional(),
    from: z.coerce.number().int().optional().describe('epoch ms: events ending at or after'),
    to: z.coerce.number().int().optional().describe('epoch ms: events starting before'),
    limit: z.coerce.number().int().positive().max(5000).default(500),
  })
  .strict();
const RiskQuery = z
  .object({
    from: z.coerce.number().int().optional().describe('epoch ms, inclusive'),
    to: z.coerce.number().int().optional().describe('epoch ms, exclusive'),
  })
  .strict();
const EventParams = z
  .object({ sourceId: z.string().min(1).max(128), eventId: z.string().min(1).max(64) })
  .strict();

const EXAMPLE_EVENT = {
  sourceId: 'cam-1',
  eventId: 'se-3',
  rule: 'distress-audio',
  severity: 'warning',
  startTs: 1_700_000_005_200,
  endTs: 1_700_000_011_000,
  open: false,
  score: 0.8,
  evidence: {
    keyframes: [1_700_000_005_000],
    tracks: [],
    audio: [{ label: 'crying', startTs: 1_700_000_005_200, endTs: 1_700_000_007_400 }],
    transcript: [],
  },
  status: 'acknowledged',
  note: 'checked: baby monitor',
  version: 1_700_000_020_000_000,
};

export function safetyRoutes(deps: ServerDeps): ApiRoute[] {
  const { store, manager } = deps;

  const review = (action: 'acknowledge' | 'dismiss', status: SafetyEventStatus): ApiRoute =>
    defineRoute(
      {
        method: 'POST',
        url: `/api/v1/safety/events/:sourceId/:eventId/${action}`,
        operationId: `${action}SafetyEvent`,
        summary: `${action === 'acknowledge' ? 'Acknowledge' : 'Dismiss'} a safety event with a note (audited)`,
        description:
          'Writes the status and note as a new version of the event, and an audit_events row (actor user).',
        tag: 'safety',
        auth: 'session',
        params: EventParams,
        body: SafetyReviewBody,
        bodyExamples: { note: { summary: 'With a note', value: { note: 'checked on site, all fine' } } },
        responses: {
          200: { description: 'The event as it now is', schema: SafetyEventView, example: EXAMPLE_EVENT },
          404: { description: 'No such event (SAFETY_EVENT_NOT_FOUND)' },
        },
      },
      async ({ params, body }) => {
        const ev = await store.reviewSafetyEvent({ ...params, status, note: body.note });
        if (!ev) {
          throw new DashboardError(
            'SAFETY_EVENT_NOT_FOUND',
            `no safety event ${params.eventId} on source ${params.sourceId}`,
          );
        }
        await store.insertAuditEvents([
          {
            ts: Date.now(),
            actor: 'user',
            action: `safety-event.${action}`,
            subjectKind: 'safety-event',
            subjectId: `${params.sourceId}/${params.eventId}`,
            detail: JSON.stringify({ rule: ev.rule, status, note: body.note }),
          },
        ]);
        return ev;
      },
    );

  return [
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/safety/events',
        operationId: 'listSafetyEvents',
        summary: 'Safety events (rules that fired), newest first, with their evidence and status',
        tag: 'safety',
        auth: 'session',
        query: EventsQuery,
        responses: {
          200: { description: 'Events', schema: z.array(SafetyEventView), example: [EXAMPLE_EVENT] },
        },
      },
      ({ query, signal }) =>
        store.listSafetyEvents({
          sourceId: query.source,
          status: query.status,
          from: query.from,
          to: query.to,
          limit: query.limit,
          signal,
        }),
    ),
    review('acknowledge', 'acknowledged'),
    review('dismiss', 'dismissed'),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/sources/:id/risk',
        operationId: 'getRisk',
        summary: 'The risk score of a source per rule window in [from, to), as columns',
        tag: 'safety',
        auth: 'session',
        params: SourceParams,
        query: RiskQuery,
        responses: {
          200: {
            description: 'Columns',
            schema: RiskSeriesView,
            example: { ts: [1_700_000_001_000, 1_700_000_002_000], score: [0.1, 0.45] },
          },
          404: { description: 'Unknown source (SOURCE_NOT_FOUND)' },
        },
      },
      async ({ params, query, signal }) => {
        await requireSource(manager, params.id);
        return store.listRisk({ sourceId: params.id, from: query.from, to: query.to, signal });
      },
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/safety/rules',
        operationId: 'getSafetyRules',
        summary: 'The rule file the safety analyzer uses by default, validated',
        tag: 'safety',
        auth: 'session',
        responses: {
          200: { description: 'The file and its validated rules', schema: SafetyRulesView },
          400: { description: 'The file is invalid (SAFETY_BAD_RULES, naming the key)' },
        },
      },
      async () => {
        const r = await loadRules(deps.safetyRulesFile);
        return {
          path: r.path.split('/').slice(-1)[0] ?? r.path,
          text: r.text,
          rules: r.rules as unknown as Record<string, unknown>,
        };
      },
    ),
  ];
}
