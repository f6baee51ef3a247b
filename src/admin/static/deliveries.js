/* global document, location, URLSearchParams, history */
// Delivery log: filters in the page URL (linkable), cursor paging, a row opens its event.
import { api, badge, clear, fmtTime, h, isAdmin, isoToLocal, localToIso, toast } from './common.js';

const params = new URLSearchParams(location.search);
const tbody = document.querySelector('#deliveries tbody');
const pager = document.getElementById('pager');
const form = document.getElementById('filters');

const field = (name) => form.elements.namedItem(name);

async function fillSchools() {
  const select = field('sid');
  if (!isAdmin) return;
  try {
    const { items } = await api('GET', '/v1/schools');
    for (const school of items) select.append(h('option', { value: school.sid, text: `#${school.sid} ${school.name}` }));
  } catch (error) {
    toast(`Could not list schools: ${error.message}`, 'error');
  }
}

function restoreFilters() {
  for (const name of ['sid', 'status', 'type']) if (params.get(name)) field(name).value = params.get(name);
  for (const name of ['since', 'until']) {
    const value = params.get(name);
    if (value && !Number.isNaN(Date.parse(value))) field(name).value = isoToLocal(value);
  }
}

/** The form's own datetime-local values go to the URL as ISO times (the API's format). */
form.addEventListener('submit', (event) => {
  event.preventDefault();
  const next = new URLSearchParams();
  for (const name of ['sid', 'status', 'type']) if (field(name).value) next.set(name, field(name).value);
  for (const name of ['since', 'until']) {
    const iso = localToIso(field(name).value);
    if (iso) next.set(name, iso);
  }
  location.search = next.toString();
});

function lastAttemptCell(attempt) {
  if (!attempt) return h('span', { class: 'muted', text: '—' });
  const http = attempt.httpStatus ? `HTTP ${attempt.httpStatus}` : '';
  const errno = attempt.errno !== null && attempt.errno !== undefined ? `errno ${attempt.errno}` : '';
  return h('div', { class: 'stack-xs' },
    h('div', {}, badge(attempt.outcome, 'badge-sm'), ' ', h('span', { class: 'muted small', text: [http, errno].filter(Boolean).join(' · ') })),
    h('span', { class: 'muted small', text: fmtTime(attempt.at) }));
}

function row(item) {
  const href = `/admin/events/${encodeURIComponent(item.eventId)}`;
  return h('tr', { 'data-event-id': item.eventId, 'data-href': href, class: item.status === 'failing' ? 'row-failing' : '' },
    h('td', { class: 'nowrap', text: fmtTime(item.createdAt) }),
    h('td', { class: 'mono' }, h('a', { href, text: item.eventId })),
    h('td', { class: 'num-left', text: `#${item.sid}` }),
    h('td', { class: 'mono', text: item.type }),
    h('td', { class: 'mono muted', text: item.cmd ?? '—' }),
    h('td', {}, badge(item.status)),
    h('td', { class: 'num', text: item.attempts }),
    h('td', {}, lastAttemptCell(item.lastAttempt)),
    h('td', { class: 'nowrap', text: fmtTime(item.deliveredAt) }),
  );
}

tbody.addEventListener('click', (event) => {
  if (event.target.closest('a')) return;
  const tr = event.target.closest('tr[data-href]');
  if (tr) location.href = tr.dataset.href;
});

async function load() {
  const query = new URLSearchParams();
  for (const name of ['sid', 'status', 'type', 'since', 'until', 'cursor']) if (params.get(name)) query.set(name, params.get(name));
  query.set('limit', '50');
  try {
    const page = await api('GET', `/v1/deliveries?${query}`);
    if (page.items.length === 0) clear(tbody, h('tr', {}, h('td', { colspan: 9, class: 'empty', text: 'No deliveries match these filters.' })));
    else clear(tbody, page.items.map(row));
    renderPager(page.nextCursor, page.items.length);
  } catch (error) {
    clear(tbody, h('tr', {}, h('td', { colspan: 9, class: 'empty error-text', text: error.message })));
  }
}

function renderPager(nextCursor, count) {
  const first = new URLSearchParams(params);
  first.delete('cursor');
  const paged = params.has('cursor');
  const older = new URLSearchParams(params);
  if (nextCursor) older.set('cursor', nextCursor);
  clear(pager,
    h('span', { class: 'muted small', text: `${count} shown${paged ? ' (older page)' : ''}` }),
    h('div', { class: 'pager-buttons' },
      paged ? h('button', { type: 'button', class: 'btn btn-ghost btn-sm', onclick: () => history.back() }, '← Newer') : null,
      paged ? h('a', { class: 'btn btn-ghost btn-sm', href: `?${first}` }, 'Newest') : null,
      nextCursor ? h('a', { class: 'btn btn-ghost btn-sm', id: 'next-page', href: `?${older}` }, 'Older →') : null));
}

/**
 * The export links carry the page's filters (not its cursor: the export is the whole range). A
 * plain GET with the session cookie, like the page's own reads, so no CSRF header is needed.
 */
function linkExports() {
  for (const format of ['csv', 'ndjson']) {
    const query = new URLSearchParams({ format });
    for (const name of ['sid', 'status', 'type', 'since', 'until']) if (params.get(name)) query.set(name, params.get(name));
    document.getElementById(`export-${format}`).href = `/v1/deliveries/export?${query}`;
  }
}

linkExports();
restoreFilters();
await fillSchools();
if (params.get('sid')) field('sid').value = params.get('sid');
await load();
