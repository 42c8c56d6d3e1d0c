/**
 * The metrics read from a node's state when Prometheus scrapes it, named
 * after the Kafka MBeans operators alert on (docs/operations.md has the
 * mapping): traffic per topic, partition health on this broker, logs per
 * partition, the controller's view of the cluster, the metadata quorum,
 * consumer groups and their lag. `refresh()` computes them all in one pass
 * over the node's partitions, just before the registry is rendered.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { BrokerContext } from '../../broker/index.ts';
import type { NodeView } from '../../server/index.ts';

type Labels<T extends string> = Partial<Record<T, string | number>>;

export class NodeGauges {
  private readonly view: NodeView;
  private readonly registry: Registry;
  private readonly gauges = new Map<string, Gauge<string>>();
  private readonly counters = new Map<string, Counter<string>>();

  constructor(registry: Registry, view: NodeView) {
    this.registry = registry;
    this.view = view;
  }

  refresh(): void {
    for (const g of this.gauges.values()) g.reset();
    for (const c of this.counters.values()) c.reset();
    const broker = this.view.broker;
    if (broker !== null) {
      this.traffic(broker);
      this.partitions(broker);
      this.groups(broker);
    }
    this.quorum();
  }

  private traffic(broker: BrokerContext): void {
    const t = broker.replicas.traffic;
    for (const [topic, v] of t.entries()) {
      this.count('kafka_server_brokertopicmetrics_messages_in_total', 'Messages appended from producers (BrokerTopicMetrics MessagesInPerSec).', { topic }, v.messagesIn);
      this.count('kafka_server_brokertopicmetrics_bytes_in_total', 'Bytes appended from producers (BrokerTopicMetrics BytesInPerSec).', { topic }, v.bytesIn);
      this.count('kafka_server_brokertopicmetrics_bytes_out_total', 'Bytes fetched by consumers (BrokerTopicMetrics BytesOutPerSec).', { topic }, v.bytesOut);
      this.count('kafka_server_brokertopicmetrics_replication_bytes_in_total', 'Bytes fetched from leaders as a follower (BrokerTopicMetrics ReplicationBytesInPerSec).', { topic }, v.replicationBytesIn);
      this.count('kafka_server_brokertopicmetrics_replication_bytes_out_total', 'Bytes fetched by followers (BrokerTopicMetrics ReplicationBytesOutPerSec).', { topic }, v.replicationBytesOut);
      this.count('kafka_server_brokertopicmetrics_failed_produce_requests_total', 'Partitions of produce requests refused (BrokerTopicMetrics FailedProduceRequestsPerSec).', { topic }, v.failedProduce);
    }
    const work = broker.replicas.logWork;
    this.count('kafka_log_logflushstats_flushes_total', 'Partition flushes that moved a recovery point (LogFlushStats LogFlushRateAndTimeMs count).', {}, work.flushes);
    this.count('kafka_log_logflushstats_flush_seconds_total', 'Seconds spent in those flushes (LogFlushStats LogFlushRateAndTimeMs).', {}, work.flushSeconds);
    this.count('kafka_log_logcleaner_cleans_total', 'Compaction passes completed (one per cleaned partition).', {}, work.cleans);
    this.count('kafka_log_logcleaner_clean_seconds_total', 'Seconds spent compacting (LogCleaner cleaner-recopy-percent and max-clean-time-secs cover the same work).', {}, work.cleanerSeconds);
    this.count('kafka_log_logcleaner_bytes_read_total', 'Bytes the cleaner read.', {}, work.cleanerBytesRead);
    this.count('kafka_log_logcleaner_bytes_written_total', 'Bytes the cleaner wrote.', {}, work.cleanerBytesWritten);
    this.count('kafka_log_logcleaner_records_removed_total', 'Records compaction removed.', {}, work.cleanerRecordsRemoved);
    this.count('kafka_server_replicamanager_isr_shrinks_total', 'ISR shrinks of partitions this broker leads (ReplicaManager IsrShrinksPerSec).', {}, t.isrShrinks);
    this.count('kafka_server_replicamanager_isr_expands_total', 'ISR expands of partitions this broker leads (ReplicaManager IsrExpandsPerSec).', {}, t.isrExpands);
  }

  private partitions(broker: BrokerContext): void {
    let partitions = 0;
    let leaders = 0;
    let underReplicated = 0;
    let underMinIsr = 0;
    let atMinIsr = 0;
    let offline = 0;
    let producerIds = 0;
    for (const p of broker.replicas.all()) {
      partitions++;
      const labels = { topic: p.topic, partition: p.index };
      if (p.offline) {
        offline++;
        continue;
      }
      this.set('kafka_log_log_size', 'Bytes in the partition\'s log segments (Log Size).', labels, p.log.sizeBytes);
      this.set('kafka_log_log_end_offset', 'The offset after the last record (Log LogEndOffset).', labels, p.logEndOffset);
      this.set('kafka_log_log_start_offset', 'The first offset still in the log (Log LogStartOffset).', labels, p.logStartOffset);
      if (!p.isLeader) continue;
      leaders++;
      producerIds += p.producers.producerCount;
      this.set('kafka_cluster_partition_high_watermark', 'The high watermark of a partition this broker leads.', labels, p.highWatermark);
      if (p.isr.length < p.replicas.length) underReplicated++;
      if (p.isr.length < p.config.minInsyncReplicas) underMinIsr++;
      else if (p.isr.length === p.config.minInsyncReplicas) atMinIsr++;
    }
    this.set('kafka_server_replicamanager_partition_count', 'Partitions with a replica on this broker (ReplicaManager PartitionCount).', {}, partitions);
    this.set('kafka_server_replicamanager_leader_count', 'Partitions this broker leads (ReplicaManager LeaderCount).', {}, leaders);
    this.set('kafka_server_replicamanager_under_replicated_partitions', 'Led partitions whose ISR is smaller than their replica set (ReplicaManager UnderReplicatedPartitions).', {}, underReplicated);
    this.set('kafka_server_replicamanager_under_min_isr_partition_count', 'Led partitions whose ISR is below min.insync.replicas (ReplicaManager UnderMinIsrPartitionCount).', {}, underMinIsr);
    this.set('kafka_server_replicamanager_at_min_isr_partition_count', 'Led partitions whose ISR is exactly min.insync.replicas (ReplicaManager AtMinIsrPartitionCount).', {}, atMinIsr);
    this.set('kafka_server_replicamanager_offline_replica_count', 'Replicas on this broker in a failed log directory (ReplicaManager OfflineReplicaCount).', {}, offline);
    this.set('kafka_server_replicamanager_producer_id_count', 'Producer ids remembered by the partitions this broker leads (ReplicaManager ProducerIdCount).', {}, producerIds);
    this.set('kafka_log_logmanager_offline_log_directory_count', 'Log directories taken offline by a disk error (LogManager OfflineLogDirectoryCount).', {}, broker.replicas.offlineLogDirs.length);
  }

  /** Groups this broker coordinates, by state, and their committed offsets' lag behind partitions this broker hosts. */
  private groups(broker: BrokerContext): void {
    const listed = broker.groups.listGroups([], []);
    const byState = new Map<string, number>();
    for (const g of listed.groups) byState.set(g.groupState, (byState.get(g.groupState) ?? 0) + 1);
    for (const [state, n] of byState) {
      this.set('kafka_coordinator_group_groupmetadatamanager_num_groups', 'Groups this broker coordinates, by state (GroupMetadataManager NumGroups*).', { state }, n);
    }
    for (const g of listed.groups) {
      const offsets = broker.groups.fetchOffsets(g.groupId, null, false);
      for (const t of offsets.topics) {
        for (const o of t.partitions) {
          if (o.offset < 0n) continue;
          const labels = { group: g.groupId, topic: t.name, partition: o.partitionIndex };
          this.set('kafka_consumergroup_current_offset', 'The group\'s committed offset.', labels, Number(o.offset));
          const p = broker.replicas.get(t.name, o.partitionIndex);
          if (p === undefined || p.offline) continue;
          this.set('kafka_consumergroup_lag', 'Records between the committed offset and the high watermark, where this broker hosts the partition.', labels, Math.max(0, p.highWatermark - Number(o.offset)));
        }
      }
    }
  }

  private quorum(): void {
    const s = this.view.quorum();
    const leader = s.role === 'leader';
    this.set('kafka_server_raft_metrics_current_epoch', 'The metadata quorum\'s epoch as this node knows it (raft-metrics current-epoch).', {}, s.epoch);
    this.set('kafka_server_raft_metrics_current_leader', 'The metadata quorum leader\'s id, -1 when unknown (raft-metrics current-leader).', {}, s.leaderId ?? -1);
    this.set('kafka_server_raft_metrics_high_watermark', 'The metadata log\'s high watermark (raft-metrics high-watermark).', {}, s.highWatermark);
    this.set('kafka_server_raft_metrics_log_end_offset', 'The metadata log\'s end offset on this node (raft-metrics log-end-offset).', {}, s.logEndOffset);
    this.set('kafka_server_raft_metrics_current_state', 'This node\'s Raft role, 1 for the current one (raft-metrics current-state).', { state: s.role }, 1);
    if (leader) {
      for (const r of [...s.voters, ...s.observers]) {
        if (r.id === s.nodeId) continue;
        const role = s.voters.includes(r) ? 'voter' : 'observer';
        this.set('samsa_raft_replica_lag', 'Metadata log entries a voter or observer is behind the quorum leader (leader only).', { replica: r.id, role }, Math.max(0, s.logEndOffset - r.logEndOffset));
      }
    }
    if (!this.view.isController) return;
    this.set('kafka_controller_kafkacontroller_active_controller_count', '1 on the active controller, else 0 (KafkaController ActiveControllerCount).', {}, leader ? 1 : 0);
    if (!leader) return;
    const image = this.view.image();
    let fenced = 0;
    for (const b of image.brokers.values()) if (b.fenced) fenced++;
    let partitions = 0;
    let offline = 0;
    let imbalance = 0;
    for (const t of image.topicsByName.values()) {
      for (const p of t.partitions) {
        partitions++;
        if (p.leader < 0) offline++;
        else if (p.replicas[0] !== p.leader) imbalance++;
      }
    }
    this.set('kafka_controller_kafkacontroller_fenced_broker_count', 'Registered brokers the controller has fenced (KafkaController FencedBrokerCount).', {}, fenced);
    this.set('kafka_controller_kafkacontroller_active_broker_count', 'Registered, unfenced brokers (KafkaController ActiveBrokerCount).', {}, image.brokers.size - fenced);
    this.set('kafka_controller_kafkacontroller_global_topic_count', 'Topics in the cluster (KafkaController GlobalTopicCount).', {}, image.topicsByName.size);
    this.set('kafka_controller_kafkacontroller_global_partition_count', 'Partitions in the cluster (KafkaController GlobalPartitionCount).', {}, partitions);
    this.set('kafka_controller_kafkacontroller_offline_partitions_count', 'Partitions without a leader (KafkaController OfflinePartitionsCount).', {}, offline);
    this.set('kafka_controller_kafkacontroller_preferred_replica_imbalance_count', 'Partitions led by a replica other than the first (KafkaController PreferredReplicaImbalanceCount).', {}, imbalance);
  }

  private set(name: string, help: string, labels: Labels<string>, value: number): void {
    let g = this.gauges.get(name);
    if (g === undefined) {
      g = new Gauge({ name, help, labelNames: Object.keys(labels), registers: [this.registry] });
      this.gauges.set(name, g);
    }
    g.set(labels, value);
  }

  private count(name: string, help: string, labels: Labels<string>, value: number): void {
    let c = this.counters.get(name);
    if (c === undefined) {
      c = new Counter({ name, help, labelNames: Object.keys(labels), registers: [this.registry] });
      this.counters.set(name, c);
    }
    c.inc(labels, value);
  }
}
