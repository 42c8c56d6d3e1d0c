/**
 * What flows through this broker, per topic, as plain counters (Kafka's
 * BrokerTopicMetrics): messages and bytes in from producers, bytes out to
 * consumers, bytes in and out for replication, and the ISR shrinks and
 * expands of the partitions this broker leads. Counting is one map lookup
 * and a few additions per partition of a request, never per record; the
 * metrics endpoint reads the totals when scraped.
 */

export interface TopicTraffic {
  messagesIn: number;
  bytesIn: number;
  bytesOut: number;
  replicationBytesIn: number;
  replicationBytesOut: number;
  /** Produce batches refused for this topic (Kafka's FailedProduceRequestsPerSec counts requests; we count partitions). */
  failedProduce: number;
}

export class TrafficStats {
  private readonly topics = new Map<string, TopicTraffic>();
  isrShrinks = 0;
  isrExpands = 0;

  private of(topic: string): TopicTraffic {
    let t = this.topics.get(topic);
    if (t === undefined) {
      t = { messagesIn: 0, bytesIn: 0, bytesOut: 0, replicationBytesIn: 0, replicationBytesOut: 0, failedProduce: 0 };
      this.topics.set(topic, t);
    }
    return t;
  }

  /** A client's batch was appended as leader: `messages` from the batch header's offset range. */
  produced(topic: string, messages: number, bytes: number): void {
    const t = this.of(topic);
    t.messagesIn += messages;
    t.bytesIn += bytes;
  }

  produceFailed(topic: string): void {
    this.of(topic).failedProduce++;
  }

  fetched(topic: string, bytes: number, byFollower: boolean): void {
    const t = this.of(topic);
    if (byFollower) t.replicationBytesOut += bytes;
    else t.bytesOut += bytes;
  }

  replicated(topic: string, bytes: number): void {
    this.of(topic).replicationBytesIn += bytes;
  }

  isrChanged(before: readonly number[], after: readonly number[]): void {
    if (after.length < before.length || before.some((id) => !after.includes(id))) this.isrShrinks++;
    if (after.some((id) => !before.includes(id))) this.isrExpands++;
  }

  /** A deleted topic's counters go with it, as Kafka removes its per-topic metrics. */
  forget(topic: string): void {
    this.topics.delete(topic);
  }

  entries(): IterableIterator<[string, Readonly<TopicTraffic>]> {
    return this.topics.entries();
  }
}
