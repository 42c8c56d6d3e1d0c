/**
 * A small protobuf writer that builds the OTLP `MetricsData` a KIP-714 client
 * pushes (opentelemetry-proto metrics/v1/metrics.proto field numbers), for
 * tests that play the client.
 */

function varint(n: bigint): Buffer {
  const out: number[] = [];
  let v = BigInt.asUintN(64, n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return Buffer.from(out);
}

function key(field: number, wire: number): Buffer {
  return varint(BigInt((field << 3) | wire));
}

export function len(field: number, body: Buffer | string): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return Buffer.concat([key(field, 2), varint(BigInt(b.length)), b]);
}

function double(field: number, v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return Buffer.concat([key(field, 1), b]);
}

function fixed64(field: number, v: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return Buffer.concat([key(field, 1), b]);
}

function uvarintField(field: number, v: bigint): Buffer {
  return Buffer.concat([key(field, 0), varint(v)]);
}

/** KeyValue with a string AnyValue. */
function attribute(field: number, k: string, v: string): Buffer {
  return len(field, Buffer.concat([len(1, k), len(2, len(1, v))]));
}

function attributes(field: number, attrs: Record<string, string>): Buffer {
  return Buffer.concat(Object.entries(attrs).map(([k, v]) => attribute(field, k, v)));
}

export type OtlpMetric =
  | { name: string; gauge: number; attributes?: Record<string, string> }
  | { name: string; sum: number; attributes?: Record<string, string> }
  | { name: string; histogram: { count: number; sum: number }; attributes?: Record<string, string> };

const NOW = 1_700_000_000_000_000_000n;

function metric(m: OtlpMetric): Buffer {
  const attrs = m.attributes ?? {};
  let data: Buffer;
  if ('gauge' in m) {
    data = len(5, len(1, Buffer.concat([fixed64(3, NOW), double(4, m.gauge), attributes(7, attrs)])));
  } else if ('sum' in m) {
    data = len(7, Buffer.concat([len(1, Buffer.concat([fixed64(3, NOW), double(4, m.sum), attributes(7, attrs)])), uvarintField(2, 2n), uvarintField(3, 1n)]));
  } else {
    const point = Buffer.concat([fixed64(3, NOW), fixed64(4, BigInt(m.histogram.count)), double(5, m.histogram.sum), attributes(9, attrs)]);
    data = len(9, Buffer.concat([len(1, point), uvarintField(2, 2n)]));
  }
  // An unknown field (description 2 is known; 99 is not) that the reader must skip.
  return Buffer.concat([len(1, m.name), len(2, 'pushed by a test'), uvarintField(99, 7n), data]);
}

/** MetricsData { ResourceMetrics { Resource{attributes}, ScopeMetrics { Scope, metrics } } }. */
export function metricsData(metrics: readonly OtlpMetric[], resource: Record<string, string> = {}): Buffer {
  const scope = len(1, len(1, 'org.apache.kafka'));
  const scopeMetrics = len(2, Buffer.concat([scope, ...metrics.map((m) => len(2, metric(m)))]));
  return len(1, Buffer.concat([len(1, attributes(1, resource)), scopeMetrics]));
}
