// Which way the live view shows a source (issue 12): WebRTC (lowest latency), MSE (fMP4 over a
// WebSocket) or the analysed JPEG frames, in that order of preference. 'auto' starts at WebRTC
// when the server says it can (GET /api/v1/rtc) and this browser has it; a toggle forces a
// starting point (kept in localStorage). A mode that fails falls to the next one, and the page
// always says which mode is in use and why (modeLabel).
import { RtcStatusView } from '../../../src/protocol.ts';
import { errorText, request } from './api.ts';

export type LiveMode = 'webrtc' | 'mse' | 'frames';
export type LivePreference = 'auto' | LiveMode;

const KEY = 'aima.liveMode';
const PREFERENCES: readonly LivePreference[] = ['auto', 'webrtc', 'mse', 'frames'];

export const MODE_NAMES: { readonly [M in LiveMode]: string } = {
  webrtc: 'WebRTC',
  mse: 'MSE',
  frames: 'Frames',
};

export function storedPreference(): LivePreference {
  try {
    const v = localStorage.getItem(KEY);
    return PREFERENCES.find((p) => p === v) ?? 'auto';
  } catch {
    return 'auto';
  }
}

export function storePreference(pref: LivePreference): void {
  try {
    if (pref === 'auto') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, pref);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
}

/** The browser can do WebRTC at all (mediasoup-client may still find it unsupported). */
export function rtcSupported(): boolean {
  return typeof RTCPeerConnection !== 'undefined';
}

/** What the browser and the server can do, as far as the choice is concerned. */
export interface LiveCapabilities {
  readonly webrtc: boolean;
  readonly mse: boolean;
  /** The server's answer (null when not asked, e.g. a forced mode). */
  readonly rtc: RtcStatusView | null;
  /** Why the server could not be asked (`CODE: message`), when it could not. */
  readonly rtcError?: string;
}

/** The mode in use and why, for the label under the video. */
export interface ModeChoice {
  readonly mode: LiveMode;
  readonly why: string;
}

/** The starting mode for a preference (failures later step down with `fallback`). */
export function chooseMode(pref: LivePreference, caps: LiveCapabilities): ModeChoice {
  if (pref === 'frames') return { mode: 'frames', why: 'chosen' };
  if (pref === 'mse')
    return caps.mse
      ? { mode: 'mse', why: 'chosen' }
      : fallback('mse', 'unavailable', 'this browser has no MSE', caps);
  if (!caps.webrtc) return fallback('webrtc', 'unavailable', 'this browser has no WebRTC', caps);
  if (pref === 'webrtc') return { mode: 'webrtc', why: 'chosen' };
  if (caps.rtc?.available) return { mode: 'webrtc', why: 'automatic: lowest latency' };
  const reason = caps.rtc
    ? (caps.rtc.reason ?? caps.rtc.code ?? 'the server cannot do it')
    : (caps.rtcError ?? 'unknown');
  return fallback('webrtc', 'unavailable', reason, caps);
}

/** The mode after `from` (WebRTC → MSE → frames), which is unavailable or failed for `reason`. */
export function fallback(
  from: LiveMode,
  what: 'unavailable' | 'failed',
  reason: string,
  caps: Pick<LiveCapabilities, 'mse'>,
): ModeChoice {
  const why = `${MODE_NAMES[from]} ${what}: ${reason}`;
  if (from === 'webrtc' && caps.mse) return { mode: 'mse', why };
  return { mode: 'frames', why };
}

/** "WebRTC · 42 ms — automatic: lowest latency" (the delay when known: now − source time on screen). */
export function modeLabel(choice: ModeChoice, delayMs: number | null): string {
  const delay = delayMs === null ? '' : ` · ${formatDelay(delayMs)}`;
  return `${MODE_NAMES[choice.mode]}${delay} — ${choice.why}`;
}

function formatDelay(ms: number): string {
  const v = Math.max(0, ms);
  return v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(1)} s`;
}

/** GET /api/v1/rtc; on failure the reason instead (an older server, a network error). */
export async function fetchRtcStatus(
  signal?: AbortSignal,
): Promise<{ rtc: RtcStatusView } | { rtc: null; error: string }> {
  try {
    const res = await request('/rtc', { signal });
    return { rtc: RtcStatusView.parse(await res.json()) };
  } catch (err) {
    signal?.throwIfAborted();
    return { rtc: null, error: errorText(err) };
  }
}
