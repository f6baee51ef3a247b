/* global document, window, fetch, location, setTimeout, navigator */
// Shared helpers of the dashboard pages. Everything is rendered with DOM calls and textContent:
// event payloads and school names are user data, never HTML.

const csrfMeta = document.querySelector('meta[name="csrf-token"]');
const CSRF = csrfMeta ? csrfMeta.getAttribute('content') : '';

/** 'admin' or 'school'; a school sees only its own school and no operator actions. */
export const role = document.body.dataset.role;
export const isAdmin = role === 'admin';
export const ownSid = document.body.dataset.sid ? Number(document.body.dataset.sid) : undefined;

export class ApiError extends Error {
  constructor(message, status, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Calls the /v1 API same-origin with the session cookie; non-GET calls carry the CSRF header. */
export async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (method !== 'GET') headers['x-classbell-csrf'] = CSRF;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401) {
    location.href = `/admin/login?next=${encodeURIComponent(location.pathname + location.search)}`;
    throw new ApiError('signed out', 401, 'unauthorized');
  }
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) {
    const error = data && data.error ? data.error : {};
    throw new ApiError(error.message || `HTTP ${res.status}`, res.status, error.code);
  }
  return data;
}

/** Creates an element: attrs (class, text, href, title, data-*, on<event>…) and children. */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = String(value);
    else if (key === 'class') node.className = value;
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof window.Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

const STATUS_LABEL = { verification_failed: 'verification failed' };

/** A coloured status pill for school, delivery and attempt statuses. */
export function badge(status, extraClass = '') {
  const label = STATUS_LABEL[status] || String(status).replaceAll('_', ' ');
  return h('span', { class: `badge badge-${status} ${extraClass}`.trim(), 'data-status': status, text: label });
}

export function fmtDuration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

/** Local time as `YYYY-MM-DD HH:MM:SS`: unambiguous in every locale. */
export function fmtTime(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : isoToLocal(date).replace('T', ' ');
}

export function fmtAgo(iso) {
  if (!iso) return '—';
  return `${fmtDuration((Date.now() - new Date(iso).getTime()) / 1000)} ago`;
}

export function fmtNumber(n) {
  return typeof n === 'number' ? n.toLocaleString() : '—';
}

const SVG = 'http://www.w3.org/2000/svg';

/** Inline SVG sparkline of a series (deliveries per minute, oldest first). */
export function sparkline(values, width = 160, height = 32) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('role', 'img');
  const total = values.reduce((a, b) => a + b, 0);
  const max = Math.max(1, ...values);
  const title = document.createElementNS(SVG, 'title');
  title.textContent = `${total} deliveries in the last hour, at most ${Math.max(0, ...values)} in a minute`;
  svg.append(title);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values.map((v, i) => [i * step, height - 2 - (v / max) * (height - 4)]);
  const line = points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
  const area = document.createElementNS(SVG, 'polygon');
  area.setAttribute('points', `0,${height} ${line} ${width},${height}`);
  area.setAttribute('class', 'spark-area');
  const poly = document.createElementNS(SVG, 'polyline');
  poly.setAttribute('points', line);
  poly.setAttribute('class', 'spark-line');
  svg.append(area, poly);
  return svg;
}

export function toast(message, kind = 'info') {
  const box = document.getElementById('toasts');
  const item = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status', text: message });
  box.append(item);
  setTimeout(() => item.remove(), kind === 'error' ? 8000 : 4000);
}

const dialog = document.getElementById('confirm');
export const dialogOpen = () => Boolean(dialog && dialog.open);

/**
 * The confirmation step of every action. Resolves with the values of `fields` (name → string) on
 * confirm, or null on cancel. `run(values)` is called while the dialog stays open: its result (a
 * string or node) is shown in place, e.g. a rotated secret that appears only once.
 */
export function confirmAction({ title, message, confirmLabel = 'Confirm', danger = false, fields = [], run }) {
  const form = dialog.querySelector('form');
  const ok = dialog.querySelector('#confirm-ok');
  const cancel = dialog.querySelector('#confirm-cancel');
  const result = dialog.querySelector('.dialog-result');
  dialog.querySelector('.dialog-title').textContent = title;
  dialog.querySelector('.dialog-message').textContent = message;
  clear(dialog.querySelector('.dialog-fields'), fields.map((f) =>
    h('label', {}, f.label, h('input', { name: f.name, type: f.type || 'text', value: f.value || '', required: f.required, step: f.step }))));
  result.hidden = true;
  clear(result);
  ok.hidden = false;
  ok.disabled = false;
  ok.textContent = confirmLabel;
  ok.className = `btn ${danger ? 'btn-danger' : 'btn-primary'}`;
  cancel.textContent = 'Cancel';
  return new Promise((resolve) => {
    const onSubmit = async (event) => {
      event.preventDefault();
      if (event.submitter === cancel) return finish(null);
      if (ok.hidden) return finish(null);
      const values = Object.fromEntries(fields.map((f) => [f.name, form.elements.namedItem(f.name).value]));
      ok.disabled = true;
      try {
        const shown = await run(values);
        if (shown) {
          clear(result, shown);
          result.hidden = false;
          ok.hidden = true;
          cancel.textContent = 'Close';
          return;
        }
        finish(values);
      } catch (error) {
        ok.disabled = false;
        toast(error.message, 'error');
      }
    };
    const onClose = () => finish(null);
    function finish(value) {
      form.removeEventListener('submit', onSubmit);
      dialog.removeEventListener('close', onClose);
      if (dialog.open) dialog.close();
      resolve(value);
    }
    form.addEventListener('submit', onSubmit);
    dialog.addEventListener('close', onClose);
    dialog.showModal();
  });
}

/** A secret shown once, with a copy button. */
export function secretBox(label, secret) {
  const code = h('code', { class: 'secret', id: 'new-secret', text: secret });
  const copy = h('button', {
    type: 'button', class: 'btn btn-ghost btn-sm',
    onclick: () => navigator.clipboard && navigator.clipboard.writeText(secret).then(() => toast('Copied')),
  }, 'Copy');
  return h('div', { class: 'secret-box' }, h('p', { class: 'muted small', text: label }), h('div', { class: 'secret-row' }, code, copy));
}

/** datetime-local value (local time) → ISO string, or undefined. */
export function localToIso(value) {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** ISO (or now) → datetime-local value in local time, to the second. */
export function isoToLocal(date) {
  const d = new Date(date);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** The replay dialog (admin or the school): push a time range again. */
export function replayAction(sid, onDone) {
  const hourAgo = isoToLocal(Date.now() - 3600_000);
  return confirmAction({
    title: `Replay school ${sid}`,
    message: 'Every event accepted in this range is pushed again, in order, behind what is waiting.',
    confirmLabel: 'Replay range',
    fields: [
      { name: 'since', label: 'Since', type: 'datetime-local', value: hourAgo, required: true, step: 1 },
      { name: 'until', label: 'Until (empty: now)', type: 'datetime-local', step: 1 },
    ],
    run: async (values) => {
      const since = localToIso(values.since);
      const until = localToIso(values.until);
      const out = await api('POST', `/v1/schools/${sid}/replay`, until ? { since, until } : { since });
      toast(`${out.requeued} event(s) queued again`, 'success');
      if (onDone) onDone();
    },
  });
}
