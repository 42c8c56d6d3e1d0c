/**
 * The wire half of the producer's sender: one Produce request carrying the
 * batches for one broker, and its delivery — one-way with acks=0 (nothing
 * comes back), else the broker's answer per partition. Bookkeeping (in
 * flight, retries, sequences) stays with the Producer.
 */
import { ApiKey, messages } from '../protocol/index.ts';
import type { Batch } from './record-accumulator.ts';
import type { Cluster } from './cluster.ts';

export interface ProduceSettings {
  acks: number;
  timeoutMs: number;
  /** The broker verifies a transaction's first write to a partition with this id's coordinator (KIP-890). */
  transactionalId: string | null;
}

export type ProduceOutcome =
  | { kind: 'sent' }
  | { kind: 'answered'; answers: Map<string, messages.ProduceResponsePartitionProduceResponse> }
  | { kind: 'failed'; error: Error };

/** "topic\0partition", the key of a batch's answer. */
export function answerKey(topic: string, partition: number): string {
  return `${topic}\0${partition}`;
}

export function buildProduceRequest(batches: readonly Batch[], settings: ProduceSettings): messages.ProduceRequest {
  const req = messages.ProduceRequest.defaults();
  req.transactionalId = settings.transactionalId;
  req.acks = settings.acks;
  req.timeoutMs = settings.timeoutMs;
  const byTopic = new Map<string, messages.ProduceRequestTopicProduceData>();
  for (const b of batches) {
    let t = byTopic.get(b.topic);
    if (t === undefined) {
      t = { ...messages.defaultProduceRequestTopicProduceData(), name: b.topic, partitionData: [] };
      byTopic.set(b.topic, t);
      req.topicData.push(t);
    }
    t.partitionData.push({ ...messages.defaultProduceRequestPartitionProduceData(), index: b.partition, records: b.encoded });
  }
  return req;
}

/** Sends the request to a broker; never throws (a failure is an outcome). */
export async function sendProduce(cluster: Cluster, node: number, req: messages.ProduceRequest): Promise<ProduceOutcome> {
  try {
    const conn = await cluster.node(node);
    if (req.acks === 0) {
      conn.sendOneWay(ApiKey.Produce, req);
      return { kind: 'sent' };
    }
    const res = await conn.request(ApiKey.Produce, req);
    const answers = new Map<string, messages.ProduceResponsePartitionProduceResponse>();
    for (const t of res.responses) for (const p of t.partitionResponses) answers.set(answerKey(t.name, p.index), p);
    return { kind: 'answered', answers };
  } catch (e) {
    return { kind: 'failed', error: e as Error };
  }
}
