// Small helpers shared by the pages: elements built without innerHTML (data is
// never parsed as HTML), the JSON API, number formats and the confirmation dialog.

/** el('td', { class: 'num' }, 'text', child…): an element with attributes and children. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : String(c));
  return node;
}

export class ApiFailure extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function answer(res) {
  const body = await res.json().catch(() => ({ error: `HTTP ${res.status}` }));
  if (!res.ok) throw new ApiFailure(res.status, body.error ?? `HTTP ${res.status}`, body.code);
  return body;
}

export async function get(path) {
  return answer(await fetch(`/api/${path}`));
}

export async function post(path, body) {
  return answer(await fetch(`/api/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));
}

/** Asks before a change: resolves true only when the person pressed Confirm. */
export function confirmAction(title, text, okLabel = 'Confirm') {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-ok').textContent = okLabel;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }));
}

export function bytes(n) {
  if (n === null || n === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = Number(n);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function num(n) {
  return n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US');
}

export function rate(n) {
  return n < 10 ? n.toFixed(1) : Math.round(n).toLocaleString('en-US');
}

export function badge(text, kind = '') {
  return el('span', { class: `badge ${kind}` }, text);
}

export function errorBox(e) {
  return el('div', { class: 'error', role: 'alert' }, e instanceof Error ? e.message : String(e));
}

export function table(headers, rows) {
  return el('table', {},
    el('thead', {}, el('tr', {}, headers.map((h) => (typeof h === 'string' ? el('th', {}, h) : el('th', { class: h.class }, h.text))))),
    el('tbody', {}, rows.length === 0 ? el('tr', {}, el('td', { colspan: headers.length, class: 'muted' }, 'None')) : rows));
}

export function link(hash, text) {
  return el('a', { href: hash }, text);
}
