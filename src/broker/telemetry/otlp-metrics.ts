/**
 * Reads the OTLP `MetricsData` a KIP-714 client pushes (opentelemetry-proto
 * metrics/v1/metrics.proto) into flat points: each gauge and sum data point
 * with its value, each histogram data point as a count and a sum, with the
 * resource attributes under the point's own. Exponential histograms and
 * summaries, which Kafka clients do not send, are skipped like any unknown field.
 */
import {
  checkDepth, doubleOf, fields, fixed64Of, lenOf, ProtobufError, stringOf, varintOf, type Field,
} from './protobuf-reader.ts';

export { ProtobufError } from './protobuf-reader.ts';

export type PointKind = 'gauge' | 'sum' | 'histogram_count' | 'histogram_sum';

export interface MetricPoint {
  /** The metric's name as the client sent it (`org.apache.kafka.producer.record.queue.time.avg`). */
  readonly name: string;
  readonly kind: PointKind;
  readonly value: number;
  /** Resource attributes, then the data point's own (which win on a clash). */
  readonly attributes: ReadonlyMap<string, string>;
}

/** A payload with more points than this is refused: a client's whole metric set is a few hundred. */
export const POINTS_MAX = 10_000;

export function decodeMetricsData(payload: Buffer): MetricPoint[] {
  const out: MetricPoint[] = [];
  for (const f of fields(payload)) {
    const rm = f.number === 1 ? lenOf(f) : null;
    if (rm !== null) resourceMetrics(rm, out);
  }
  return out;
}

function push(out: MetricPoint[], point: MetricPoint): void {
  if (out.length >= POINTS_MAX) throw new ProtobufError(`more than ${POINTS_MAX} data points`);
  out.push(point);
}

function resourceMetrics(buf: Buffer, out: MetricPoint[]): void {
  let resource = new Map<string, string>();
  const scopes: Buffer[] = [];
  for (const f of fields(buf)) {
    const b = lenOf(f);
    if (b === null) continue;
    if (f.number === 1) resource = attributesOf(b, 1, 2);
    else if (f.number === 2) scopes.push(b);
  }
  for (const scope of scopes) {
    for (const f of fields(scope)) {
      const m = f.number === 2 ? lenOf(f) : null;
      if (m !== null) metric(m, resource, out);
    }
  }
}

/** Resource.attributes (field 1) or a data point's attributes field, as strings. */
function attributesOf(buf: Buffer, attributesField: number, depth: number): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const f of fields(buf)) {
    const kv = f.number === attributesField ? lenOf(f) : null;
    if (kv === null) continue;
    let key: string | null = null;
    let value = '';
    for (const g of fields(kv)) {
      if (g.number === 1) key = stringOf(g);
      else if (g.number === 2 && g.value.wire === 2) value = anyValueText(g.value.bytes, depth + 1);
    }
    if (key !== null) attrs.set(key, value);
  }
  return attrs;
}

/** AnyValue as text: strings, booleans, ints and doubles; arrays and maps as their JSON-ish rendering is not needed here. */
function anyValueText(buf: Buffer, depth: number): string {
  checkDepth(depth);
  let text = '';
  for (const f of fields(buf)) {
    switch (f.number) {
      case 1: text = stringOf(f) ?? ''; break;
      case 2: text = varintOf(f) === 0n ? 'false' : 'true'; break;
      case 3: text = String(BigInt.asIntN(64, varintOf(f) ?? 0n)); break;
      case 4: text = String(doubleOf(f) ?? ''); break;
      default: break;
    }
  }
  return text;
}

function metric(buf: Buffer, resource: ReadonlyMap<string, string>, out: MetricPoint[]): void {
  let name = '';
  const data: { kind: 'gauge' | 'sum' | 'histogram'; body: Buffer }[] = [];
  for (const f of fields(buf)) {
    const b = lenOf(f);
    if (f.number === 1) name = stringOf(f) ?? '';
    else if (b !== null && f.number === 5) data.push({ kind: 'gauge', body: b });
    else if (b !== null && f.number === 7) data.push({ kind: 'sum', body: b });
    else if (b !== null && f.number === 9) data.push({ kind: 'histogram', body: b });
  }
  if (name === '') return;
  for (const d of data) {
    for (const f of fields(d.body)) {
      const p = f.number === 1 ? lenOf(f) : null;
      if (p === null) continue;
      if (d.kind === 'histogram') histogramPoint(name, p, resource, out);
      else numberPoint(name, d.kind, p, resource, out);
    }
  }
}

function withResource(resource: ReadonlyMap<string, string>, own: ReadonlyMap<string, string>): Map<string, string> {
  return new Map([...resource, ...own]);
}

/** NumberDataPoint: attributes 7, as_double 4 (double), as_int 6 (sfixed64). */
function numberPoint(name: string, kind: 'gauge' | 'sum', buf: Buffer, resource: ReadonlyMap<string, string>, out: MetricPoint[]): void {
  let value: number | null = null;
  for (const f of fields(buf)) {
    if (f.number === 4) value = doubleOf(f);
    else if (f.number === 6) value = fixed64Of(f, true);
  }
  if (value === null) return;
  push(out, { name, kind, value, attributes: withResource(resource, attributesOf(buf, 7, 5)) });
}

/** HistogramDataPoint: attributes 9, count 4 (fixed64), sum 5 (double). */
function histogramPoint(name: string, buf: Buffer, resource: ReadonlyMap<string, string>, out: MetricPoint[]): void {
  let count: number | null = null;
  let sum: number | null = null;
  for (const f of fields(buf) as Iterable<Field>) {
    if (f.number === 4) count = fixed64Of(f, false);
    else if (f.number === 5) sum = doubleOf(f);
  }
  const attributes = withResource(resource, attributesOf(buf, 9, 5));
  if (count !== null) push(out, { name, kind: 'histogram_count', value: count, attributes });
  if (sum !== null) push(out, { name, kind: 'histogram_sum', value: sum, attributes });
}
