/**
 * Incremental fetch sessions (KIP-227). A client that opens a session sends
 * its partition list once; later requests carry only what changed, and the
 * response carries only partitions with something new (records, an error, or
 * a moved high watermark, stable offset or log start). The cache is bounded;
 * when it is full a client gets session id 0 and keeps doing full fetches.
 */
import { randomInt } from 'node:crypto';
import { ErrorCode } from '../protocol/index.ts';

export const INITIAL_EPOCH = 0;
export const FINAL_EPOCH = -1;
const SESSION_COUNT_MAX = 1000;
const SESSION_IDLE_MS_MAX = 120_000;

export interface SessionPartition {
  topic: string;
  topicId: string;
  partition: number;
  fetchOffset: number;
  partitionMaxBytes: number;
  currentLeaderEpoch: number;
  /** The epoch of the fetcher's last record (KIP-320); -1 when unknown. */
  lastFetchedEpoch: number;
  /** Last values sent to the client, to tell whether the partition has news. */
  lastHighWatermark: number;
  lastLogStartOffset: number;
  lastLastStableOffset: number;
}

export interface FetchSession {
  readonly id: number;
  /** The epoch the next request must carry. */
  epoch: number;
  lastUsedMs: number;
  /** Keyed by `${topicId or name}:${partition}`, in the client's order. */
  readonly partitions: Map<string, SessionPartition>;
}

export type SessionLookup =
  | { kind: 'sessionless' }
  | { kind: 'new'; session: FetchSession | null }
  | { kind: 'incremental'; session: FetchSession }
  | { kind: 'error'; errorCode: number };

export class FetchSessionCache {
  private readonly sessions = new Map<number, FetchSession>();

  get size(): number {
    return this.sessions.size;
  }

  /** Decides what a request's (sessionId, epoch) means, closing or creating sessions as the protocol says. */
  resolve(sessionId: number, epoch: number, nowMs: number): SessionLookup {
    if (epoch === FINAL_EPOCH) {
      this.sessions.delete(sessionId);
      return { kind: 'sessionless' };
    }
    if (epoch === INITIAL_EPOCH) {
      this.sessions.delete(sessionId);
      return { kind: 'new', session: this.create(nowMs) };
    }
    const session = this.sessions.get(sessionId);
    if (session === undefined) return { kind: 'error', errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND };
    if (session.epoch !== epoch) return { kind: 'error', errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH };
    session.lastUsedMs = nowMs;
    return { kind: 'incremental', session };
  }

  /** Forgets a session (a throttled fetch's new session, which Kafka would not have created). */
  remove(id: number): void {
    this.sessions.delete(id);
  }

  /** A successful incremental or initial request moves the session to its next epoch. */
  advance(session: FetchSession): void {
    session.epoch = session.epoch >= 0x7fffffff ? 1 : session.epoch + 1;
  }

  private create(nowMs: number): FetchSession | null {
    this.evictIdle(nowMs);
    if (this.sessions.size >= SESSION_COUNT_MAX) return null;
    let id = 0;
    for (let tries = 0; tries < 16 && (id === 0 || this.sessions.has(id)); tries++) id = randomInt(1, 0x7fffffff);
    if (id === 0 || this.sessions.has(id)) return null;
    const session: FetchSession = { id, epoch: 1, lastUsedMs: nowMs, partitions: new Map() };
    this.sessions.set(id, session);
    return session;
  }

  private evictIdle(nowMs: number): void {
    for (const [id, s] of this.sessions) if (nowMs - s.lastUsedMs > SESSION_IDLE_MS_MAX) this.sessions.delete(id);
  }
}
