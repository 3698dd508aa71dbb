// A GStreamer RTSP server (gst-rtsp-server through python3-gi), like the RTSP endpoint of an IP
// camera: one shared media per mount, H.264 sent as-is (no transcoding), TCP-interleaved RTP only so
// nothing binds beyond the RTSP port. GStreamer cannot loop an mp4 on its own, so the clip is
// repeated (stream copy) to five minutes, longer than any test holds a connection.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { prepareClip } from './clip.ts';
import type { ClipOptions } from './clip.ts';
import { HOST, freePort, waitForTcp } from './net.ts';
import { spawnTracked } from './process.ts';
import type { Tracked } from './process.ts';
import { assertAvailable, executable, ffmpegPath, missingMessage } from './tools.ts';
import { serverHandle } from './handle.ts';
import type { StreamServer } from './types.ts';

export interface GstRtspOptions {
  /** Mount path (default `/test`). */
  readonly mount?: string;
  readonly clip?: ClipOptions;
}

const PYTHON = '/usr/bin/python3';
const PACKAGES = [
  'python3-gi',
  'gir1.2-gst-rtsp-server-1.0',
  'gstreamer1.0-plugins-base',
  'gstreamer1.0-plugins-good',
  'gstreamer1.0-plugins-bad',
  'ffmpeg',
];
const ELEMENTS = ['filesrc', 'qtdemux', 'h264parse', 'rtph264pay'];

const SERVER_PY = `import signal, sys
import gi
gi.require_version('Gst', '1.0')
gi.require_version('GstRtsp', '1.0')
gi.require_version('GstRtspServer', '1.0')
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer

host, port, mount, media = sys.argv[1:5]
Gst.init(None)
server = GstRtspServer.RTSPServer()
server.set_address(host)
server.set_service(port)
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch(
    '( filesrc location="%s" ! qtdemux ! h264parse config-interval=-1 '
    '! rtph264pay name=pay0 pt=96 config-interval=-1 )' % media)
factory.set_shared(True)
factory.set_protocols(GstRtsp.RTSPLowerTrans.TCP)
server.get_mount_points().add_factory(mount, factory)
if server.attach(None) == 0:
    sys.exit('cannot listen on %s:%s' % (host, port))
print('ready', flush=True)
loop = GLib.MainLoop()
GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, loop.quit)
loop.run()
`;

const CHECK_PY = `import gi
gi.require_version('Gst', '1.0')
gi.require_version('GstRtsp', '1.0')
gi.require_version('GstRtspServer', '1.0')
from gi.repository import Gst, GstRtsp, GstRtspServer
Gst.init(None)
missing = [e for e in ${JSON.stringify(ELEMENTS)} if Gst.ElementFactory.find(e) is None]
print(' '.join(missing))
`;

let checked: string | null | undefined;

/** null when the server can run here, else what to install. Runs python once (~0.3 s), cached. */
export function missing(): string | null {
  if (checked !== undefined) return checked;
  checked = null;
  if (!executable(PYTHON) || ffmpegPath() === null) {
    checked = missingMessage('python3 with GStreamer RTSP server', PACKAGES);
  } else {
    try {
      const absent = execFileSync(PYTHON, ['-c', CHECK_PY], { encoding: 'utf8', timeout: 20_000 }).trim();
      if (absent !== '') checked = missingMessage(`GStreamer elements ${absent}`, PACKAGES);
    } catch {
      checked = missingMessage('python3-gi or gst-rtsp-server', PACKAGES);
    }
  }
  return checked;
}

export async function start(opts: GstRtspOptions = {}): Promise<StreamServer> {
  assertAvailable(missing());
  const ffmpeg = ffmpegPath() as string;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aima-gst-rtsp-'));
  let proc: Tracked | undefined;
  try {
    const clip = await prepareClip(ffmpeg, dir, { seconds: 20, repeat: 15, ...opts.clip, audio: false });
    const script = path.join(dir, 'rtsp_server.py');
    fs.writeFileSync(script, SERVER_PY);
    const port = await freePort();
    const mount = opts.mount ?? '/test';

    const up = async (): Promise<void> => {
      const p = spawnTracked(PYTHON, [script, HOST, String(port), mount, clip]);
      proc = p;
      await p.waitForOutput(/^ready$/m, 15_000);
      await waitForTcp(port, 5000, () => p.running);
    };
    const down = async (graceMs: number): Promise<void> => {
      const p = proc;
      proc = undefined;
      await p?.kill(graceMs);
    };

    await up();
    return serverHandle(
      { url: `rtsp://${HOST}:${port}${mount}`, dir, procs: () => (proc ? [proc] : []), up, down },
      {},
    );
  } catch (err) {
    await proc?.kill(0);
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
