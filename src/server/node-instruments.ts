/**
 * Where a node reports what it does, for whoever measures it (the metrics
 * endpoint in src/console). The server calls these on every request and
 * connection, so an implementation must be cheap; a node started without
 * one pays nothing.
 */

export interface NodeInstruments {
  /**
   * A request was answered (or was one that gets no answer: acks=0).
   * `localSeconds` is the time in the handler itself, `totalSeconds` adds
   * what it then waited for (replication for acks=all, a fetch's long poll):
   * Kafka's LocalTimeMs and LocalTimeMs + RemoteTimeMs. `response` is the
   * response body before encoding, for its error codes; null when none.
   */
  requestDone(apiKey: number, listener: string, localSeconds: number, totalSeconds: number, response: unknown): void;
  connectionOpened(listener: string): void;
  connectionClosed(listener: string): void;
}
