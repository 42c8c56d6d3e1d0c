/**
 * A scripted harness for the pure group state machine: a fake store that
 * records every group write, deterministic member ids, and join/sync calls
 * whose replies are captured instead of awaited.
 */
import type { GroupJoinRequest, GroupJoinResult, GroupSyncResult } from '../../src/broker/index.ts';
import { ClassicGroup, GroupMachine, type GroupEnv } from '../../src/coordinator/group/index.ts';
import { ErrorCode } from '../../src/protocol/index.ts';

export interface Stored {
  generation: number;
  state: string;
  leader: string | null;
  protocol: string | null;
  assignments: Map<string, string>;
}

export interface Pending<T> {
  readonly done: boolean;
  readonly result: T;
}

export interface Harness {
  machine: GroupMachine;
  group: ClassicGroup;
  stored: Stored[];
  logs: string[];
  /** What storeGroup answers next; NONE unless a test sets it. */
  storeError: number;
  join(req: Partial<GroupJoinRequest> & { clientId?: string }, nowMs: number): Pending<GroupJoinResult>;
  sync(memberId: string, generationId: number, nowMs: number, assignments?: Record<string, string>, extra?: { groupInstanceId?: string | null; protocolName?: string | null }): Pending<GroupSyncResult>;
  heartbeat(memberId: string, generationId: number, nowMs: number, groupInstanceId?: string | null): number;
}

export const RANGE = { name: 'range', metadata: Buffer.from('r') };
export const ROUNDROBIN = { name: 'roundrobin', metadata: Buffer.from('rr') };

export function harness(options: { initialDelayMs?: number; sizeMax?: number } = {}): Harness {
  let uuid = 0;
  const h: Harness = {
    stored: [],
    logs: [],
    storeError: ErrorCode.NONE,
  } as unknown as Harness;
  const env: GroupEnv = {
    config: { initialRebalanceDelayMs: options.initialDelayMs ?? 0, groupSizeMax: options.sizeMax ?? 100, newMemberJoinTimeoutMs: 300_000 },
    storeGroup: (g, assignments) => {
      if (h.storeError !== ErrorCode.NONE) return h.storeError;
      h.stored.push({
        generation: g.generationId, state: g.state, leader: g.leaderId, protocol: g.protocolName,
        assignments: new Map([...assignments].map(([k, v]) => [k, v.toString()])),
      });
      return ErrorCode.NONE;
    },
    newUuid: () => `u${++uuid}`,
    log: (line) => h.logs.push(line),
  };
  h.group = new ClassicGroup('g', 0);
  h.machine = new GroupMachine(h.group, env);
  h.join = (req, nowMs) => capture<GroupJoinResult>((reply) => h.machine.join(joinRequest(req), nowMs, reply));
  h.sync = (memberId, generationId, nowMs, assignments = {}, extra = {}) => capture<GroupSyncResult>((reply) => h.machine.sync({
    groupId: 'g', memberId, groupInstanceId: extra.groupInstanceId ?? null, generationId,
    protocolType: 'consumer', protocolName: extra.protocolName ?? null,
    assignments: Object.entries(assignments).map(([id, a]) => ({ memberId: id, assignment: Buffer.from(a) })),
  }, nowMs, reply));
  h.heartbeat = (memberId, generationId, nowMs, groupInstanceId = null) =>
    h.machine.heartbeat({ memberId, groupInstanceId, generationId }, nowMs);
  return h;
}

export function joinRequest(req: Partial<GroupJoinRequest>): GroupJoinRequest {
  return {
    groupId: 'g', memberId: '', groupInstanceId: null, clientId: 'c', clientHost: '/127.0.0.1',
    sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 30_000, protocolType: 'consumer', protocols: [RANGE],
    requireKnownMemberId: false, supportSkipAssignment: false, reason: null,
    ...req,
  };
}

function capture<T>(call: (reply: (r: T) => void) => void): Pending<T> {
  let result: T | undefined;
  let calls = 0;
  call((r) => {
    calls++;
    if (calls > 1) throw new Error('reply called twice');
    result = r;
  });
  return {
    get done() { return calls > 0; },
    get result() {
      if (result === undefined) throw new Error('no reply yet');
      return result;
    },
  };
}

/** Three dynamic members joined and synced into generation 1 of a Stable group; returns their ids in join order. */
export function stableGroupOfThree(h: Harness, nowMs = 0): string[] {
  const joins = ['a', 'b', 'c'].map((clientId) => h.join({ clientId }, nowMs));
  h.machine.tick(nowMs);
  const ids = joins.map((j) => j.result.memberId);
  const syncs = ids.map((id, i) => h.sync(id, 1, nowMs, i === 0 ? { [ids[0]!]: 'A', [ids[1]!]: 'B', [ids[2]!]: 'C' } : {}));
  if (!syncs.every((s) => s.done)) throw new Error('sync did not complete');
  return ids;
}
