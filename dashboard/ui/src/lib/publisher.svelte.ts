// The one camera this tab publishes over WHIP (whip.ts): kept outside the Sources page so that
// going to the source's live view does not stop it. Stopped on logout and when the tab closes.
import { errorText } from './api.ts';
import { openCamera, publishWhip, type WhipSession } from './whip.ts';

export type PublishState = 'idle' | 'starting' | 'publishing' | 'stopping';

class CameraPublisher {
  state = $state<PublishState>('idle');
  sourceId = $state('');
  /** The WebRTC connection to the server ('new', 'connecting', 'connected', 'failed', ...). */
  connection = $state<RTCPeerConnectionState | ''>('');
  error = $state('');
  /** The camera, for the local preview. */
  stream = $state.raw<MediaStream | null>(null);
  #session: WhipSession | null = null;
  #ctrl: AbortController | null = null;

  async start(sourceId: string, fps?: number): Promise<void> {
    if (this.state !== 'idle') return;
    this.state = 'starting';
    this.sourceId = sourceId;
    this.error = '';
    this.connection = '';
    const ctrl = new AbortController();
    this.#ctrl = ctrl;
    try {
      const stream = await openCamera();
      if (ctrl.signal.aborted) {
        for (const t of stream.getTracks()) t.stop();
        return;
      }
      this.stream = stream;
      this.#session = await publishWhip(sourceId, stream, {
        ...(fps !== undefined ? { fps } : {}),
        signal: ctrl.signal,
        onState: (s) => (this.connection = s),
      });
      this.state = 'publishing';
      window.addEventListener('pagehide', this.#onPageHide);
    } catch (err) {
      if (!ctrl.signal.aborted) this.error = errorText(err);
      this.stream = null;
      this.state = 'idle';
    } finally {
      if (this.#ctrl === ctrl) this.#ctrl = null;
    }
  }

  async stop(): Promise<void> {
    this.#ctrl?.abort();
    const session = this.#session;
    this.#session = null;
    window.removeEventListener('pagehide', this.#onPageHide);
    if (!session) return;
    this.state = 'stopping';
    try {
      await session.stop();
    } catch (err) {
      this.error = errorText(err);
    } finally {
      this.stream = null;
      this.connection = '';
      this.state = 'idle';
    }
  }

  /** The tab goes away: end the session (keepalive lets the DELETE outlive the page). */
  readonly #onPageHide = (): void => {
    const session = this.#session;
    if (!session) return;
    void fetch(session.location, { method: 'DELETE', credentials: 'same-origin', keepalive: true }).catch(
      () => undefined,
    );
  };
}

export const publisher = new CameraPublisher();
