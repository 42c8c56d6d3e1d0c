/** Parses one Kafka listener, `NAME://host:port` (IPv6 hosts in brackets); returns an error line on failure. */
export interface Listener {
  name: string;
  host: string;
  port: number;
}

const LISTENER = /^([A-Za-z0-9_]+):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/;
const PORT_MAX = 65535;

export function parseListener(text: string): Listener | string {
  const first = text.split(',')[0]!.trim();
  const m = LISTENER.exec(first);
  if (m === null) return `invalid value '${text}' for config 'listeners': expected NAME://host:port`;
  const port = Number(m[3]);
  if (port > PORT_MAX) return `invalid value '${text}' for config 'listeners': port ${port} is out of range`;
  if (m[1] !== 'PLAINTEXT') return `invalid value '${text}' for config 'listeners': only PLAINTEXT listeners are supported so far`;
  const host = m[2]!.startsWith('[') ? m[2]!.slice(1, -1) : m[2]!;
  return { name: m[1]!, host, port };
}
