// Consumer groups: every group with its state and total lag, and one group's
// members, assignments and lag per partition, charted over the time this
// page has been open (the history lives in the page, not on the broker).
// Resetting offsets asks first and works only on an inactive group, as in Kafka.
import { COLORS, legend, lineChart, sparkline } from './chart.js';
import { badge, confirmAction, el, errorBox, get, link, num, post, table } from './ui.js';

export const refreshMs = 2000;
/** Points kept per group and per partition: ten minutes at one every two seconds. */
const HISTORY_POINTS_MAX = 300;
const history = new Map();
let flash = null;

function remember(key, t, v) {
  const points = history.get(key) ?? [];
  points.push({ t, v });
  if (points.length > HISTORY_POINTS_MAX) points.shift();
  history.set(key, points);
  return points;
}

function stateBadge(state) {
  const kind = state === 'Stable' ? 'ok' : state === 'Empty' ? '' : state === 'Dead' ? 'bad' : 'warn';
  return badge(state, kind);
}

export async function render(route) {
  return route.args.length === 0 ? list() : detail(route.args[0]);
}

async function list() {
  const { groups, unreachable } = await get('groups');
  const now = Date.now();
  return el('section', {},
    el('h1', {}, 'Consumer groups'),
    unreachable.length === 0 ? null : el('div', { class: 'error', role: 'alert' }, `Broker${unreachable.length > 1 ? 's' : ''} ${unreachable.join(', ')} did not answer: the groups they coordinate are missing.`),
    table(['Group', 'State', 'Type', { text: 'Partitions', class: 'num' }, { text: 'Lag', class: 'num' }, 'Lag trend'],
      groups.map((g) => {
        const points = g.lag === null ? history.get(`group:${g.groupId}`) ?? [] : remember(`group:${g.groupId}`, now, g.lag);
        return el('tr', { 'data-group': g.groupId },
          el('td', {}, link(`#/groups/${encodeURIComponent(g.groupId)}`, g.groupId)),
          el('td', {}, stateBadge(g.state)),
          el('td', {}, g.type || g.protocolType || '–'),
          el('td', { class: 'num' }, num(g.partitions)),
          el('td', { class: 'num lag' }, num(g.lag)),
          el('td', {}, sparkline(points.map((p) => p.v))));
      })));
}

async function detail(groupId) {
  const g = await get(`groups/${encodeURIComponent(groupId)}`);
  const total = g.offsets.reduce((n, o) => n + (o.lag ?? 0), 0);
  remember(`group:${groupId}`, g.atMs, total);
  const series = g.offsets.map((o, i) => ({
    name: `${o.topic}-${o.partition}`, color: COLORS[i % COLORS.length],
    points: o.lag === null ? [] : remember(`${groupId}/${o.topic}/${o.partition}`, g.atMs, o.lag),
  }));
  const notice = flash === null ? null : flash instanceof Error ? errorBox(flash) : el('div', { class: 'notice', role: 'status' }, flash);
  flash = null;
  return el('section', {},
    el('h1', {}, link('#/groups', 'Consumer groups'), ' / ', g.groupId),
    notice,
    el('div', { class: 'cards' },
      el('div', { class: 'card' }, el('div', { class: 'value', id: 'group-state' }, g.state), el('div', { class: 'label' }, 'state')),
      el('div', { class: 'card' }, el('div', { class: 'value' }, g.members.length), el('div', { class: 'label' }, 'members')),
      el('div', { class: 'card' }, el('div', { class: 'value', id: 'total-lag' }, num(total)), el('div', { class: 'label' }, 'total lag')),
      el('div', { class: 'card' }, el('div', { class: 'value' }, g.protocol || '–'), el('div', { class: 'label' }, 'assignor'))),
    el('h2', {}, 'Lag per partition over time'),
    lineChart(series), legend(series),
    el('h2', {}, 'Offsets'),
    resetButtons(g),
    table(['Topic', { text: 'Partition', class: 'num' }, { text: 'Committed', class: 'num' }, { text: 'Log end', class: 'num' }, { text: 'Lag', class: 'num' }, 'Trend', 'Member'],
      g.offsets.map((o, i) => el('tr', { 'data-partition': `${o.topic}-${o.partition}` },
        el('td', {}, o.topic),
        el('td', { class: 'num' }, o.partition),
        el('td', { class: 'num' }, num(o.committed)),
        el('td', { class: 'num' }, num(o.endOffset)),
        el('td', { class: 'num lag' }, num(o.lag)),
        el('td', {}, sparkline(series[i].points.map((p) => p.v), { color: series[i].color })),
        el('td', {}, ownerOf(g, o.topic, o.partition))))),
    el('h2', {}, 'Members'),
    table(['Member', 'Client', 'Host', 'Assignment'], g.members.map((m) => el('tr', {},
      el('td', {}, el('code', {}, m.memberId), m.groupInstanceId ? el('span', { class: 'muted' }, ` (static: ${m.groupInstanceId})`) : ''),
      el('td', {}, m.clientId),
      el('td', {}, m.host),
      el('td', {}, m.assignment.map((a) => `${a.topic}: ${a.partitions.join(', ')}`).join('; ') || '–')))));
}

function ownerOf(g, topic, partition) {
  const m = g.members.find((x) => x.assignment.some((a) => a.topic === topic && a.partitions.includes(partition)));
  return m === undefined ? el('span', { class: 'muted' }, 'unassigned') : m.clientId;
}

function resetButtons(g) {
  const reset = async (to) => {
    const what = `Move every committed offset of group '${g.groupId}' to the ${to} offset of its partitions? The group must have no active members.`;
    if (!(await confirmAction('Reset offsets', what, `Reset to ${to}`))) return;
    try {
      await post(`groups/${encodeURIComponent(g.groupId)}/reset-offsets`, { to });
      flash = `Offsets of '${g.groupId}' reset to ${to}.`;
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    } catch (e) {
      // The page redraws every two seconds: the error goes through the next drawing, not into this one's DOM.
      flash = e;
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    }
  };
  return el('div', { class: 'toolbar' },
    el('button', { class: 'secondary', 'data-action': 'reset-earliest', onclick: () => reset('earliest') }, 'Reset to earliest'),
    el('button', { class: 'secondary', 'data-action': 'reset-latest', onclick: () => reset('latest') }, 'Reset to latest'));
}
