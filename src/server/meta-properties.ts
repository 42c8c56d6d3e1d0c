/**
 * `meta.properties` in each log directory, as Kafka's storage tool writes it:
 * the cluster id, this node's id and the directory's own id. Samsa formats a
 * directory on first start instead of asking for `kafka-storage format`, and
 * refuses to start on a directory that belongs to another cluster or node.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FILE_NAME = 'meta.properties';

export interface MetaProperties {
  clusterId: string;
  nodeId: number;
  directoryId: string;
}

export function randomUuid(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function parse(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const eq = trimmed.indexOf('=');
    if (eq > 0) out.set(trimmed.slice(0, eq).trim(), trimmed.slice(eq + 1).trim());
  }
  return out;
}

/** Whether the directory has a meta.properties (it was formatted, by `samsa storage format` or a first start). */
export function isFormatted(dir: string): boolean {
  return existsSync(join(dir, FILE_NAME));
}

/**
 * Reads the directory's meta.properties, or formats the directory: with
 * `clusterId` when given, else `fallbackClusterId`, else a random id.
 */
export function ensureMetaProperties(dir: string, nodeId: number, clusterId: string | null, fallbackClusterId: string | null = null): MetaProperties {
  const path = join(dir, FILE_NAME);
  if (isFormatted(dir)) {
    const props = parse(readFileSync(path, 'utf8'));
    const found = { clusterId: props.get('cluster.id') ?? '', nodeId: Number(props.get('node.id')), directoryId: props.get('directory.id') ?? '' };
    if (found.nodeId !== nodeId) throw new Error(`${path} belongs to node.id ${found.nodeId}, not ${nodeId}`);
    if (clusterId !== null && found.clusterId !== clusterId) {
      throw new Error(`${path} belongs to cluster ${found.clusterId}, not ${clusterId}`);
    }
    return found;
  }
  const meta = { clusterId: clusterId ?? fallbackClusterId ?? randomUuid(), nodeId, directoryId: randomUuid() };
  const text = `#\n#Written by Samsa\ncluster.id=${meta.clusterId}\ndirectory.id=${meta.directoryId}\nnode.id=${nodeId}\nversion=1\n`;
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
  return meta;
}
