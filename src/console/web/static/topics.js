// Topics: the list (partitions, replication, health, size) with create and
// delete, and one topic's partitions (leader, replicas, ISR, offsets, size)
// and configs with alter. Every change asks for confirmation first.
import { badge, bytes, confirmAction, el, errorBox, get, link, num, post, table } from './ui.js';

let flash = null;

function rerender(message) {
  flash = message;
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

function flashBox() {
  const box = flash === null ? null : el('div', { class: 'notice', role: 'status' }, flash);
  flash = null;
  return box;
}

export async function render(route) {
  return route.args.length === 0 ? list() : detail(route.args[0]);
}

async function list() {
  const topics = await get('topics');
  const problem = el('div');
  return el('section', {},
    el('h1', {}, 'Topics'),
    flashBox(), problem,
    createForm(problem),
    table(['Name', { text: 'Partitions', class: 'num' }, { text: 'Replication', class: 'num' }, 'Health', { text: 'Size', class: 'num' }, ''],
      topics.map((t) => el('tr', { 'data-topic': t.name },
        el('td', {}, link(`#/topics/${encodeURIComponent(t.name)}`, t.name), t.internal ? el('span', { class: 'muted' }, ' internal') : ''),
        el('td', { class: 'num' }, t.partitions),
        el('td', { class: 'num' }, t.replicationFactor),
        el('td', {}, t.offline > 0 ? badge(`${t.offline} offline`, 'bad') : t.underReplicated > 0 ? badge(`${t.underReplicated} under-replicated`, 'warn') : badge('ok', 'ok')),
        el('td', { class: 'num' }, bytes(t.sizeBytes)),
        el('td', {}, t.internal ? '' : el('button', { class: 'secondary', 'data-action': 'delete', onclick: () => remove(t.name, problem) }, 'Delete'))))));
}

function createForm(problem) {
  const name = el('input', { name: 'name', required: true, placeholder: 'orders', pattern: '[a-zA-Z0-9._\\-]+' });
  const partitions = el('input', { name: 'partitions', type: 'number', min: 1, placeholder: 'default', style: 'width:7em' });
  const rf = el('input', { name: 'replicationFactor', type: 'number', min: 1, placeholder: 'default', style: 'width:7em' });
  const submit = async (event) => {
    event.preventDefault();
    const spec = { name: name.value.trim(), partitions: partitions.value || undefined, replicationFactor: rf.value || undefined };
    const sure = await confirmAction('Create topic', `Create topic '${spec.name}' with ${spec.partitions ?? 'the default number of'} partitions and replication factor ${spec.replicationFactor ?? '(default)'}?`, 'Create');
    if (!sure) return;
    try {
      await post('topics', spec);
      rerender(`Topic '${spec.name}' created.`);
    } catch (e) {
      problem.replaceChildren(errorBox(e));
    }
  };
  return el('form', { class: 'toolbar', id: 'create-topic', onsubmit: submit },
    el('label', {}, 'New topic', name), el('label', {}, 'Partitions', partitions), el('label', {}, 'Replication factor', rf),
    el('button', { type: 'submit' }, 'Create topic'));
}

async function remove(name, problem) {
  const sure = await confirmAction('Delete topic', `Delete topic '${name}' and all its records? This cannot be undone.`, 'Delete');
  if (!sure) return;
  try {
    await post(`topics/${encodeURIComponent(name)}/delete`, {});
    if (location.hash.startsWith('#/topics/')) {
      flash = `Topic '${name}' deleted.`;
      location.hash = '#/topics';
    } else {
      rerender(`Topic '${name}' deleted.`);
    }
  } catch (e) {
    problem.replaceChildren(errorBox(e));
  }
}

async function detail(name) {
  const t = await get(`topics/${encodeURIComponent(name)}`);
  const problem = el('div');
  const total = t.partitions.reduce((n, p) => n + Number(p.endOffset ?? 0) - Number(p.startOffset ?? 0), 0);
  return el('section', {},
    el('h1', {}, link('#/topics', 'Topics'), ' / ', t.name),
    flashBox(), problem,
    el('p', { class: 'muted' }, `Topic id ${t.topicId} · ${t.partitions.length} partitions · ${num(total)} records retained · `,
      link(`#/messages?topic=${encodeURIComponent(t.name)}`, 'browse messages'), ' · ',
      t.internal ? 'internal' : el('button', { class: 'secondary', onclick: () => remove(t.name, problem) }, 'Delete topic')),
    el('h2', {}, 'Partitions'),
    table(['Partition', 'Leader', 'Replicas', 'In-sync replicas', { text: 'Start offset', class: 'num' }, { text: 'End offset', class: 'num' }, { text: 'Size', class: 'num' }],
      t.partitions.map((p) => el('tr', { 'data-partition': p.partition },
        el('td', {}, p.partition),
        el('td', {}, p.leader < 0 ? badge('offline', 'bad') : p.leader),
        el('td', {}, p.replicas.join(', ')),
        el('td', {}, p.isr.length < p.replicas.length ? badge(p.isr.join(', ') || 'none', 'warn') : p.isr.join(', ')),
        el('td', { class: 'num' }, num(p.startOffset)),
        el('td', { class: 'num' }, num(p.endOffset)),
        el('td', { class: 'num' }, bytes(p.sizeBytes))))),
    el('h2', {}, 'Configs'),
    alterForm(t, problem),
    table(['Name', 'Value', 'Source'], t.configs.map((c) => {
      // Set on this topic (kafka-configs --alter): bold, with its source; the rest come from the broker or Kafka's defaults.
      const override = c.source === 'DYNAMIC_TOPIC_CONFIG';
      return el('tr', { 'data-config': c.name, class: override ? 'override' : null },
        el('td', {}, override ? el('strong', {}, c.name) : c.name),
        el('td', {}, c.sensitive ? el('span', { class: 'muted' }, '(sensitive)') : c.value ?? el('span', { class: 'muted' }, 'null')),
        el('td', {}, override ? badge(c.source) : el('span', { class: 'muted' }, c.source)));
    })));
}

function alterForm(t, problem) {
  const names = t.configs.filter((c) => !c.readOnly).map((c) => c.name);
  const key = el('select', { name: 'config' }, names.map((n) => el('option', { value: n }, n)));
  const value = el('input', { name: 'value', placeholder: 'new value' });
  const change = async (set) => {
    const body = set ? { set: { [key.value]: value.value } } : { delete: [key.value] };
    const what = set ? `Set ${key.value}=${value.value} on topic '${t.name}'?` : `Remove the override of ${key.value} on topic '${t.name}' (back to the default)?`;
    if (!(await confirmAction('Alter config', what, set ? 'Set' : 'Reset'))) return;
    try {
      await post(`topics/${encodeURIComponent(t.name)}/configs`, body);
      rerender(set ? `${key.value} set to ${value.value}.` : `${key.value} reset to its default.`);
    } catch (e) {
      problem.replaceChildren(errorBox(e));
    }
  };
  return el('form', { class: 'toolbar', id: 'alter-config', onsubmit: (e) => { e.preventDefault(); change(true); } },
    el('label', {}, 'Config', key), el('label', {}, 'Value', value),
    el('button', { type: 'submit' }, 'Set'),
    el('button', { type: 'button', class: 'secondary', onclick: () => change(false) }, 'Reset to default'));
}
