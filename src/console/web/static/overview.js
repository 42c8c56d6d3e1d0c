// Cluster overview: the brokers (rack, fenced or not, which is the controller)
// and the metadata quorum (leader, epoch, each voter's and observer's lag).
import { badge, el, errorBox, get, num, table } from './ui.js';

export const refreshMs = 5000;

export async function render() {
  const o = await get('overview');
  const q = o.quorum.error === undefined ? o.quorum : { leaderId: null, leaderEpoch: '–', highWatermark: null, voters: [], observers: [], error: o.quorum.error };
  const fenced = o.brokers.filter((b) => b.fenced).length;
  return el('section', {},
    el('h1', {}, 'Cluster ', el('span', { class: 'muted' }, o.clusterId)),
    el('div', { class: 'cards' },
      card(o.brokers.length, 'brokers', fenced > 0 ? `${fenced} fenced` : null),
      card(q.leaderId, 'quorum leader', `epoch ${q.leaderEpoch}`),
      card(o.topics, 'topics'),
      card(o.partitions, 'partitions'),
      card(o.underReplicated, 'under-replicated', null, o.underReplicated > 0 ? 'warn' : ''),
      card(o.offline, 'offline partitions', null, o.offline > 0 ? 'bad' : '')),
    el('h2', {}, 'Brokers'),
    table(['Id', 'Host', 'Rack', 'State', 'Role'], o.brokers.map((b) => el('tr', { 'data-broker': b.nodeId },
      el('td', {}, b.nodeId),
      el('td', {}, b.host === null ? '–' : `${b.host}:${b.port}`),
      el('td', {}, b.rack ?? el('span', { class: 'muted' }, 'none')),
      el('td', {}, b.fenced ? badge('fenced', 'bad') : badge('active', 'ok')),
      el('td', {}, b.controller ? badge('controller') : '', b.nodeId === o.servedBy ? el('span', { class: 'muted' }, ' (this console)') : '')))),
    el('h2', {}, 'Controller quorum'),
    q.error === undefined ? el('p', { class: 'muted' }, `Leader ${q.leaderId}, epoch ${q.leaderEpoch}, high watermark ${num(q.highWatermark)}`) : errorBox(q.error),
    table(['Node', 'Role', { text: 'Log end offset', class: 'num' }, { text: 'Lag', class: 'num' }, 'Last fetch'],
      [...q.voters, ...q.observers].map((r) => el('tr', { 'data-replica': r.nodeId },
        el('td', {}, r.nodeId),
        el('td', {}, r.role === 'Leader' ? badge('Leader', 'ok') : r.role),
        el('td', { class: 'num' }, num(r.logEndOffset)),
        el('td', { class: 'num' }, r.lag > 0 ? badge(num(r.lag), 'warn') : '0'),
        el('td', {}, r.lastFetchTimestamp > 0 ? new Date(r.lastFetchTimestamp).toLocaleTimeString() : '–')))));
}

function card(value, label, note = null, kind = '') {
  return el('div', { class: `card ${kind}` }, el('div', { class: 'value' }, value ?? '–'), el('div', { class: 'label' }, label), note ? el('div', { class: 'muted' }, note) : null);
}
