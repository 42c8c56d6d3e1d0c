/**
 * Reads a node's /metrics as Prometheus text: each sample by its series
 * (`name{label="value",…}` exactly as exposed, or the bare name) and a sum
 * over every series of one metric name, optionally filtered by labels.
 */
export interface Scrape {
  readonly text: string;
  /** The value of one series, e.g. `kafka_log_log_size{topic="t",partition="0"}`; undefined when absent. */
  value(series: string): number | undefined;
  /** Sum of every series of `name` whose labels include `labels`; 0 when none. */
  sum(name: string, labels?: Record<string, string>): number;
}

export async function scrape(metricsUrl: string): Promise<Scrape> {
  const res = await fetch(`${metricsUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
  if (res.status !== 200) throw new Error(`GET ${metricsUrl}/metrics answered ${res.status}`);
  const text = await res.text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return {
    text,
    value: (series) => samples.get(series),
    sum: (name, labels = {}) => {
      let total = 0;
      for (const [series, v] of samples) {
        const brace = series.indexOf('{');
        if ((brace < 0 ? series : series.slice(0, brace)) !== name) continue;
        if (Object.entries(labels).every(([k, val]) => series.includes(`${k}="${val}"`))) total += v;
      }
      return total;
    },
  };
}
