/**
 * `samsa metadata-quorum --describe --status | --replication`:
 * kafka-metadata-quorum.sh, the metadata quorum's leader, epoch, high
 * watermark, and every voter's and observer's position and lag.
 */
import type { Command } from 'commander';
import type { messages } from '../protocol/index.ts';
import { CliError, EXIT_USAGE, clusterFrom, print, runCommand, table, withBootstrap } from './common.ts';

const METADATA_TOPIC = '__cluster_metadata';

interface QuorumFlags {
  bootstrapServer: string;
  commandConfig?: string;
  json?: boolean;
  describe?: boolean;
  status?: boolean;
  replication?: boolean;
}

interface ReplicaRow {
  nodeId: number;
  logEndOffset: number;
  lag: number;
  lastFetchTimestamp: number;
  lastCaughtUpTimestamp: number;
  status: 'Leader' | 'Follower' | 'Observer';
}

export function register(program: Command): void {
  withBootstrap(program.command('metadata-quorum').description('the metadata quorum: leader, epoch, high watermark, voters and observers'))
    .option('--describe', 'describe the quorum')
    .option('--status', 'with --describe: leader, epoch, high watermark, lag, voters, observers')
    .option('--replication', 'with --describe: each voter\'s and observer\'s log end offset and lag')
    .action((flags: QuorumFlags) => runCommand(async () => {
      if (flags.describe !== true || (flags.status === true) === (flags.replication === true)) {
        throw new CliError('metadata-quorum needs --describe with exactly one of --status or --replication', EXIT_USAGE);
      }
      const { ApiKey, ErrorCode, messages } = await import('../protocol/index.ts');
      const cluster = await clusterFrom(flags);
      try {
        const connection = await cluster.any();
        const res = await connection.request(ApiKey.DescribeQuorum, {
          ...messages.DescribeQuorumRequest.defaults(),
          topics: [{
            ...messages.defaultDescribeQuorumRequestTopicData(), topicName: METADATA_TOPIC,
            partitions: [{ ...messages.defaultDescribeQuorumRequestPartitionData(), partitionIndex: 0 }],
          }],
        });
        const p = res.topics[0]?.partitions[0];
        const errorCode = res.errorCode !== ErrorCode.NONE ? res.errorCode : p?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
        if (p === undefined || errorCode !== ErrorCode.NONE) {
          throw new CliError(`the quorum could not be described: ${res.errorMessage ?? p?.errorMessage ?? `error ${errorCode}`}`);
        }
        const hw = Number(p.highWatermark);
        const row = (r: messages.DescribeQuorumResponseReplicaState, status: ReplicaRow['status']): ReplicaRow => ({
          nodeId: r.replicaId, logEndOffset: Number(r.logEndOffset), lag: Math.max(0, hw - Number(r.logEndOffset)),
          lastFetchTimestamp: Number(r.lastFetchTimestamp), lastCaughtUpTimestamp: Number(r.lastCaughtUpTimestamp), status,
        });
        const rows = [
          ...p.currentVoters.map((r) => row(r, r.replicaId === p.leaderId ? 'Leader' : 'Follower')),
          ...p.observers.map((r) => row(r, 'Observer')),
        ];
        if (flags.replication === true) {
          print(flags.json === true, rows, () => table(
            ['NodeId', 'LogEndOffset', 'Lag', 'LastFetchTimestamp', 'LastCaughtUpTimestamp', 'Status'],
            rows.map((r) => [r.nodeId, r.logEndOffset, r.lag, r.lastFetchTimestamp, r.lastCaughtUpTimestamp, r.status]),
          ));
          return;
        }
        const meta = await connection.request(ApiKey.Metadata, { ...messages.MetadataRequest.defaults(), topics: [] });
        const followers = rows.filter((r) => r.status === 'Follower');
        const status = {
          clusterId: meta.clusterId,
          leaderId: p.leaderId,
          leaderEpoch: p.leaderEpoch,
          highWatermark: hw,
          maxFollowerLag: Math.max(0, ...followers.map((r) => r.lag)),
          maxFollowerLagTimeMs: maxFollowerLagTimeMs(rows.find((r) => r.status === 'Leader'), followers),
          currentVoters: p.currentVoters.map((r) => r.replicaId),
          currentObservers: p.observers.map((r) => r.replicaId),
        };
        print(flags.json === true, status, () => [
          `ClusterId:              ${status.clusterId}`,
          `LeaderId:               ${status.leaderId}`,
          `LeaderEpoch:            ${status.leaderEpoch}`,
          `HighWatermark:          ${status.highWatermark}`,
          `MaxFollowerLag:         ${status.maxFollowerLag}`,
          `MaxFollowerLagTimeMs:   ${status.maxFollowerLagTimeMs}`,
          `CurrentVoters:          [${status.currentVoters.join(',')}]`,
          `CurrentObservers:       [${status.currentObservers.join(',')}]`,
        ].join('\n'));
      } finally {
        await cluster.close();
      }
    }));
}

/**
 * Kafka's MaxFollowerLagTimeMs: how far the most lagging follower's last
 * catch-up trails the leader's, 0 when no follower lags, -1 when that
 * follower never caught up (not a timestamp).
 */
function maxFollowerLagTimeMs(leader: { lastCaughtUpTimestamp: number } | undefined, followers: readonly { lag: number; lastCaughtUpTimestamp: number }[]): number {
  if (followers.length === 0 || leader === undefined) return 0;
  const worst = followers.reduce((a, b) => (b.lag > a.lag || (b.lag === a.lag && b.lastCaughtUpTimestamp < a.lastCaughtUpTimestamp) ? b : a));
  if (worst.lastCaughtUpTimestamp < 0 || leader.lastCaughtUpTimestamp < 0) return -1;
  return Math.max(0, leader.lastCaughtUpTimestamp - worst.lastCaughtUpTimestamp);
}
