/**
 * A real stream server on 127.0.0.1 for tests, with the failures a camera or relay has: it can be
 * killed (a crash or power cut), frozen (sockets stay open, nothing is sent) and brought back on
 * the same ports.
 */
export interface StreamServer {
  /** The URL a client plays. */
  readonly url: string;
  /** The server processes are up (false after kill() or stop(), true again after restart()). */
  readonly running: boolean;
  /** Stop every process (SIGTERM, then SIGKILL) and remove the temp dir. Idempotent; final. */
  stop(): Promise<void>;
  /** SIGKILL every process at once; ports and files stay so that restart() can bring it back. */
  kill(): Promise<void>;
  /** Start again on the same ports (killing first if still up); resolves once it streams. */
  restart(): Promise<void>;
  /** SIGSTOP the server: connections stay open but no data flows (a network black hole). */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  [Symbol.asyncDispose](): Promise<void>;
}
