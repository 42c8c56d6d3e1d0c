// Message browser: one page of a partition's records from an offset, a time
// or the newest, with keys, values and headers shown as UTF-8, JSON or hex,
// and a text search over the page that was fetched.
import { el, errorBox, get, num } from './ui.js';

const FORMATS = ['auto', 'utf8', 'json', 'hex'];
const strict = new TextDecoder('utf-8', { fatal: true });

function toBytes(base64) {
  const raw = atob(base64);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

function hex(bytes) {
  const lines = [];
  for (let i = 0; i < bytes.length; i += 16) {
    const row = bytes.subarray(i, i + 16);
    lines.push(`${i.toString(16).padStart(4, '0')}  ${[...row].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`);
  }
  return lines.join('\n');
}

/** The text shown for a key, value or header value in the chosen format. */
export function show(base64, format) {
  if (base64 === null) return 'null';
  const bytes = toBytes(base64);
  if (format === 'hex') return hex(bytes);
  let text;
  try {
    text = strict.decode(bytes);
  } catch {
    return format === 'auto' ? hex(bytes) : `(not UTF-8)\n${hex(bytes)}`;
  }
  if (format === 'json' || (format === 'auto' && /^\s*[[{]/.test(text))) {
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      if (format === 'json') return `(not JSON) ${text}`;
    }
  }
  return text;
}

export async function render(route) {
  const q = route.query;
  const topics = (await get('topics')).filter((t) => !t.internal);
  const topic = q.get('topic') ?? topics[0]?.name ?? '';
  const mode = q.has('offset') ? 'offset' : q.has('timestamp') ? 'timestamp' : 'newest';
  const form = controls(topics, topic, q, mode);
  const results = el('div', { id: 'results' });
  const view = el('section', {}, el('h1', {}, 'Messages'), form, results);
  if (topic === '') {
    results.append(el('p', { class: 'muted' }, 'No topics yet.'));
    return view;
  }
  const params = new URLSearchParams({ partition: q.get('partition') ?? '0', limit: q.get('limit') ?? '50' });
  if (mode === 'offset') params.set('offset', q.get('offset'));
  if (mode === 'timestamp') params.set('timestamp', String(new Date(q.get('timestamp')).getTime()));
  try {
    const page = await get(`topics/${encodeURIComponent(topic)}/messages?${params}`);
    const draw = () => results.replaceChildren(recordsTable(page, form.elements.format.value, form.elements.search.value.trim()));
    form.elements.format.addEventListener('change', draw);
    form.elements.search.addEventListener('input', draw);
    draw();
  } catch (e) {
    results.append(errorBox(e));
  }
  return view;
}

function controls(topics, topic, q, mode) {
  const go = (event) => {
    event.preventDefault();
    const f = event.target.elements;
    const next = new URLSearchParams({ topic: f.topic.value, partition: f.partition.value || '0', limit: f.limit.value || '50' });
    if (f.mode.value === 'offset') next.set('offset', f.position.value || '0');
    if (f.mode.value === 'timestamp') next.set('timestamp', f.position.value);
    location.hash = `#/messages?${next}`;
  };
  const position = el('input', {
    name: 'position', type: mode === 'timestamp' ? 'datetime-local' : 'number', step: mode === 'timestamp' ? 1 : undefined,
    value: q.get(mode) ?? '', disabled: mode === 'newest', style: 'width:14em',
  });
  const modeSelect = el('select', {
    name: 'mode', onchange: (e) => {
      position.disabled = e.target.value === 'newest';
      position.type = e.target.value === 'timestamp' ? 'datetime-local' : 'number';
    },
  }, [['newest', 'Newest'], ['offset', 'From offset'], ['timestamp', 'From time']].map(([v, t]) => el('option', { value: v, selected: v === mode }, t)));
  return el('form', { class: 'toolbar', id: 'browse', onsubmit: go },
    el('label', {}, 'Topic', el('select', { name: 'topic' }, topics.map((t) => el('option', { value: t.name, selected: t.name === topic }, t.name)))),
    el('label', {}, 'Partition', el('input', { name: 'partition', type: 'number', min: 0, value: q.get('partition') ?? '0', style: 'width:5em' })),
    el('label', {}, 'Start', modeSelect),
    el('label', {}, 'Offset / time', position),
    el('label', {}, 'Count', el('input', { name: 'limit', type: 'number', min: 1, max: 500, value: q.get('limit') ?? '50', style: 'width:5em' })),
    el('button', { type: 'submit' }, 'Fetch'),
    el('label', {}, 'Show as', el('select', { name: 'format' }, FORMATS.map((f) => el('option', { value: f }, f === 'utf8' ? 'UTF-8' : f.toUpperCase() === 'AUTO' ? 'Auto' : f.toUpperCase())))),
    el('label', {}, 'Search this page', el('input', { name: 'search', type: 'search', placeholder: 'text in key, value or headers' })));
}

function recordsTable(page, format, search) {
  const rows = page.records.map((r) => ({
    r, key: show(r.key, format), value: show(r.value, format),
    headers: r.headers.map((h) => `${h.key}: ${show(h.value, format === 'hex' ? 'hex' : 'utf8')}`).join('\n'),
  }));
  const needle = search.toLowerCase();
  const shown = needle === '' ? rows : rows.filter((x) => `${x.key}\n${x.value}\n${x.headers}`.toLowerCase().includes(needle));
  const summary = el('p', { class: 'muted' },
    `Partition ${page.partition}: offsets ${num(page.startOffset)} to ${num(Number(page.endOffset) - 1)}; `,
    `showing ${shown.length} of ${page.records.length} fetched from offset ${num(page.from)}`,
    page.records.length > 0 ? el('span', {}, ' · ', el('a', { href: nextHash(page) }, 'next page')) : '');
  const body = shown.map((x) => el('tr', { 'data-offset': x.r.offset },
    el('td', { class: 'num' }, x.r.offset),
    el('td', {}, new Date(x.r.timestamp).toISOString().replace('T', ' ').replace('Z', '')),
    el('td', {}, mark(x.key, needle)),
    el('td', {}, mark(x.value, needle)),
    el('td', {}, mark(x.headers, needle))));
  return el('div', {}, summary, el('table', {},
    el('thead', {}, el('tr', {}, el('th', { class: 'num' }, 'Offset'), el('th', {}, 'Timestamp'), el('th', {}, 'Key'), el('th', {}, 'Value'), el('th', {}, 'Headers'))),
    el('tbody', {}, body.length === 0 ? el('tr', {}, el('td', { colspan: 5, class: 'muted' }, 'No records')) : body)));
}

function nextHash(page) {
  const q = new URLSearchParams({ topic: page.topic, partition: String(page.partition), offset: page.next });
  return `#/messages?${q}`;
}

/** The text in a <pre>, with each match of the search highlighted. */
function mark(text, needle) {
  const pre = el('pre');
  if (needle === '') {
    pre.textContent = text;
    return pre;
  }
  const lower = text.toLowerCase();
  let at = 0;
  for (let i = lower.indexOf(needle); i >= 0; i = lower.indexOf(needle, at)) {
    pre.append(text.slice(at, i), el('mark', {}, text.slice(i, i + needle.length)));
    at = i + needle.length;
  }
  pre.append(text.slice(at));
  return pre;
}
