// WebRTC status (whether the live view can use it, and why not) and per-source transport stats.
// The signalling itself runs over the live WebSocket (rtc-* messages, server/live.ts).
import { DashboardError } from '../../errors.ts';
import { RtcSourceStatsView, RtcStatusView } from '../../protocol.ts';
import type { RtcService } from '../../rtc/types.ts';
import type { SourceManager } from '../../sources/types.ts';
import { defineRoute, type ApiRoute } from '../route.ts';
import { SourceParams } from '../schemas.ts';
import { requireSource } from './guards.ts';

/** What GET /api/v1/rtc says when the server was built without WebRTC. */
export function disabledStatus(): RtcStatusView {
  return {
    available: false,
    code: 'RTC_DISABLED',
    reason: 'WebRTC is not enabled on this server',
    routers: 0,
    viewers: 0,
    producers: 0,
    maxViewersPerSource: 0,
    maxRouters: 0,
  };
}

export function rtcRoutes(deps: { manager: SourceManager; rtc: RtcService | null }): ApiRoute[] {
  return [
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/rtc',
        operationId: 'rtcStatus',
        summary: 'Whether the live view can use WebRTC, and why not',
        description:
          'available=false comes with a stable code (RTC_DISABLED, RTC_WORKER_MISSING, ' +
          'RTC_WORKER_DIED, RTC_UNAVAILABLE) and a one-line reason; the live view then uses MSE. ' +
          'Signalling runs over /api/v1/live (rtc-join, rtc-connect, rtc-consume, rtc-resume, rtc-leave).',
        tag: 'live',
        auth: 'session',
        responses: { 200: { description: 'WebRTC status and counts', schema: RtcStatusView } },
      },
      async () => deps.rtc?.status() ?? disabledStatus(),
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/sources/:id/rtc',
        operationId: 'sourceRtcStats',
        summary: "A source's WebRTC producers and peers (bitrate, loss, RTT, jitter)",
        tag: 'live',
        auth: 'session',
        params: SourceParams,
        responses: {
          200: {
            description: 'Stats of the viewers and publisher of this source',
            schema: RtcSourceStatsView,
          },
          404: { description: 'Unknown source (SOURCE_NOT_FOUND)' },
          503: { description: 'WebRTC is not enabled (RTC_DISABLED)' },
        },
      },
      async ({ params }) => {
        await requireSource(deps.manager, params.id);
        if (!deps.rtc) throw new DashboardError('RTC_DISABLED', 'WebRTC is not enabled on this server');
        return deps.rtc.stats(params.id);
      },
    ),
  ];
}
