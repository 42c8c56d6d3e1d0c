/**
 * The metrics clients push with KIP-714 (PushTelemetry), in Prometheus text:
 * the latest value of each gauge and sum, and of each histogram's count and
 * sum, named after the client's metric (`org.apache.kafka.producer.record.queue.time.avg`
 * becomes `org_apache_kafka_producer_record_queue_time_avg`) and labelled with
 * the client's instance id, client id, software name and version and the data
 * point's attributes. Rendered by hand: the label sets are the clients', not
 * known in advance as prom-client's instruments want them.
 */
import type { ClientSeries } from '../../broker/index.ts';

const CLIENT_LABELS = ['client_instance_id', 'client_id', 'client_software_name', 'client_software_version'] as const;

/** A client metric name as a Prometheus metric or label name: [a-zA-Z_][a-zA-Z0-9_]*. */
export function prometheusName(name: string): string {
  const replaced = name.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(replaced) ? `_${replaced}` : replaced;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export function renderClientMetrics(series: readonly ClientSeries[]): string {
  const families = new Map<string, string[]>();
  for (const s of series) {
    const base: [string, string][] = [
      ['client_instance_id', s.instanceId], ['client_id', s.client.clientId],
      ['client_software_name', s.client.softwareName], ['client_software_version', s.client.softwareVersion],
    ];
    for (const p of s.points) {
      const suffix = p.kind === 'histogram_count' ? '_count' : p.kind === 'histogram_sum' ? '_sum' : '';
      const family = prometheusName(p.name);
      const labels = new Map<string, string>(base);
      for (const [k, v] of p.attributes) {
        const label = prometheusName(k);
        // The client's own identity labels win over an attribute of the same name.
        if (!(CLIENT_LABELS as readonly string[]).includes(label) && !label.startsWith('__')) labels.set(label, v);
      }
      const text = [...labels].map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',');
      let lines = families.get(family);
      if (lines === undefined) {
        lines = [`# HELP ${family} Pushed by clients (KIP-714): ${p.name}`, `# TYPE ${family} ${suffix === '' ? 'gauge' : 'untyped'}`];
        families.set(family, lines);
      }
      lines.push(`${family}${suffix}{${text}} ${formatValue(p.value)}`);
    }
  }
  if (families.size === 0) return '';
  return [...families.values()].map((l) => l.join('\n')).join('\n') + '\n';
}
