/** DescribeLogDirs (API key 35): per log directory, the partitions in it and their sizes; DESCRIBE on the cluster. */
import { statfsSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { ErrorCode, messages } from '../../protocol/index.ts';
import { Op, authorizeCluster } from '../authorization.ts';
import type { BrokerContext, RequestContext } from '../broker-context.ts';
import type { Partition } from '../partition.ts';

export function handleDescribeLogDirs(
  broker: BrokerContext, request: messages.DescribeLogDirsRequest, ctx: RequestContext,
): messages.DescribeLogDirsResponse {
  if (!authorizeCluster(broker, ctx, Op.DESCRIBE)) {
    return { ...messages.DescribeLogDirsResponse.defaults(), errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED };
  }
  const wanted = request.topics === null ? null : new Map(request.topics.map((t) => [t.topic, new Set(t.partitions)]));
  const byTopic = new Map<string, Partition[]>();
  for (const p of broker.replicas.all()) {
    if (wanted !== null && !wanted.get(p.topic)?.has(p.index)) continue;
    let list = byTopic.get(p.topic);
    if (list === undefined) byTopic.set(p.topic, (list = []));
    list.push(p);
  }
  const response = messages.DescribeLogDirsResponse.defaults();
  response.results = broker.config.logDirs.map((dir) => {
    const root = resolve(dir) + sep;
    const out = messages.defaultDescribeLogDirsResponseDescribeLogDirsResult();
    out.logDir = dir;
    out.errorCode = ErrorCode.NONE;
    try {
      const fs = statfsSync(dir);
      out.totalBytes = BigInt(fs.blocks) * BigInt(fs.bsize);
      out.usableBytes = BigInt(fs.bavail) * BigInt(fs.bsize);
    } catch {
      out.errorCode = ErrorCode.KAFKA_STORAGE_ERROR;
    }
    const inDir = [...byTopic].map(([name, partitions]) => ({
      ...messages.defaultDescribeLogDirsResponseDescribeLogDirsTopic(),
      name,
      partitions: partitions.filter((p) => resolve(p.log.dir).startsWith(root)).map((p) => ({
        ...messages.defaultDescribeLogDirsResponseDescribeLogDirsPartition(),
        partitionIndex: p.index, partitionSize: BigInt(p.log.sizeBytes), offsetLag: 0n, isFutureKey: false,
      })),
    }));
    out.topics = inDir.filter((t) => t.partitions.length > 0);
    return out;
  });
  return response;
}
