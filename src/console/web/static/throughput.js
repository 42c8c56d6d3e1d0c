// Live throughput per topic: messages and bytes in (and bytes out) per second,
// from this node's traffic counters — the ones /metrics exports — read every
// two seconds; the page keeps the recent rates for the sparklines.
import { COLORS, legend, lineChart, sparkline } from './chart.js';
import { bytes, el, get, rate, table } from './ui.js';

export const refreshMs = 2000;
const RATE_POINTS_MAX = 150;
let previous = null;
const rates = new Map();

function push(topic, point) {
  const points = rates.get(topic) ?? [];
  points.push(point);
  if (points.length > RATE_POINTS_MAX) points.shift();
  rates.set(topic, points);
  return points;
}

export async function render() {
  const now = await get('throughput');
  if (previous !== null && now.atMs > previous.atMs) {
    const seconds = (now.atMs - previous.atMs) / 1000;
    for (const t of now.topics) {
      const before = previous.topics.find((p) => p.topic === t.topic) ?? { messagesIn: 0, bytesIn: 0, bytesOut: 0 };
      push(t.topic, {
        t: now.atMs,
        messagesIn: Math.max(0, t.messagesIn - before.messagesIn) / seconds,
        bytesIn: Math.max(0, t.bytesIn - before.bytesIn) / seconds,
        bytesOut: Math.max(0, t.bytesOut - before.bytesOut) / seconds,
      });
    }
  }
  previous = now;
  const topics = now.topics.filter((t) => !t.topic.startsWith('__'));
  const series = topics.map((t, i) => ({ name: t.topic, color: COLORS[i % COLORS.length], points: (rates.get(t.topic) ?? []).map((p) => ({ t: p.t, v: p.messagesIn })) }));
  return el('section', {},
    el('h1', {}, 'Throughput ', el('span', { class: 'muted' }, `on node ${now.nodeId}`)),
    el('p', { class: 'muted' }, 'Produce traffic this node received as partition leader, per topic (Kafka\'s BrokerTopicMetrics MessagesInPerSec, BytesInPerSec, BytesOutPerSec). Other brokers\' consoles show theirs.'),
    el('h2', {}, 'Messages in per second'),
    lineChart(series, { unit: '/s' }), legend(series),
    table(['Topic', { text: 'Messages in/s', class: 'num' }, 'Trend', { text: 'Bytes in/s', class: 'num' }, { text: 'Bytes out/s', class: 'num' }, { text: 'Messages in (total)', class: 'num' }],
      topics.map((t, i) => {
        const points = rates.get(t.topic) ?? [];
        const last = points.at(-1) ?? { messagesIn: 0, bytesIn: 0, bytesOut: 0 };
        return el('tr', { 'data-topic': t.topic },
          el('td', {}, t.topic),
          el('td', { class: 'num rate' }, rate(last.messagesIn)),
          el('td', {}, sparkline(points.map((p) => p.messagesIn), { color: COLORS[i % COLORS.length] })),
          el('td', { class: 'num' }, `${bytes(Math.round(last.bytesIn))}/s`),
          el('td', { class: 'num' }, `${bytes(Math.round(last.bytesOut))}/s`),
          el('td', { class: 'num' }, t.messagesIn.toLocaleString('en-US')));
      })));
}
