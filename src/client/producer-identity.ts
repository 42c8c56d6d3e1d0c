/**
 * Who the producer is to the brokers (the producer-id part of Java's
 * TransactionManager): its producer id and epoch, the generation that
 * restarts every partition's sequences when the id changes, and the
 * idempotent producer's InitProducerId. A transactional producer's id comes
 * from its TransactionManager and is adopted here.
 */
import { ApiKey, ClientError, ErrorCode, errorName, isRetriable, messages } from '../protocol/index.ts';
import type { Cluster } from './cluster.ts';

export class ProducerIdentity {
  producerId = -1n;
  producerEpoch = -1;
  /** Bumped whenever the producer id changes or is dropped; a partition's sequences restart at 0 in a new generation. */
  generation = 0;
  /** An id to send with. */
  ready = false;
  /** A batch of this epoch failed after getting a sequence: a transactional abort bumps the epoch (KIP-360) first. */
  epochBumpNeeded = false;
  private requested = false;

  /** A new id or epoch: sequences start again at 0. */
  adopt(producerId: bigint, producerEpoch: number): void {
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.generation++;
    this.ready = true;
    this.epochBumpNeeded = false;
  }

  /** Drops the id (a sequence became unresolved); returns false when there was none. */
  drop(): boolean {
    if (!this.ready) return false;
    this.ready = false;
    this.generation++;
    return true;
  }

  /**
   * InitProducerId without a transactional id, once at a time: `onReady`
   * when the id is adopted, `onFailure` with whether to try again.
   */
  requestIdempotent(cluster: Cluster, onReady: () => void, onFailure: (error: Error, retriable: boolean) => void): void {
    if (this.requested) return;
    this.requested = true;
    void (async () => {
      try {
        const conn = await cluster.any();
        const res = await conn.request(ApiKey.InitProducerId, {
          ...messages.InitProducerIdRequest.defaults(), transactionalId: null, transactionTimeoutMs: 0, producerId: -1n, producerEpoch: -1,
        });
        if (res.errorCode !== ErrorCode.NONE) {
          throw new ClientError(`InitProducerId failed: ${errorName(res.errorCode)}`, 'SAMSA_ERR_PRODUCER_ID', res.errorCode);
        }
        this.producerId = res.producerId;
        this.producerEpoch = res.producerEpoch;
        this.ready = true;
        onReady();
      } catch (e) {
        const error = e as Error;
        onFailure(error, !(error instanceof ClientError) || error.kafkaErrorCode < 0 || isRetriable(error.kafkaErrorCode));
      } finally {
        this.requested = false;
      }
    })();
  }
}
