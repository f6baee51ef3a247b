/* global document, setInterval */
// Schools page: status, backlog, failing head and the last hour of deliveries per school.
import {
  api, badge, clear, confirmAction, dialogOpen, fmtAgo, fmtDuration, fmtNumber, h, isAdmin, replayAction, secretBox,
  sparkline, toast,
} from './common.js';

const REFRESH_MS = 5000;
const tbody = document.querySelector('#schools tbody');
const summary = document.getElementById('summary');
const updated = document.getElementById('updated');

/** The failing head of a school (only the head can be failing), for a direct link. */
async function failingHead(sid) {
  const page = await api('GET', `/v1/deliveries?sid=${sid}&status=failing&limit=1`);
  return page.items[0];
}

async function load() {
  const { items } = await api('GET', '/v1/schools');
  return Promise.all(items.map(async (school) => {
    const stats = await api('GET', `/v1/schools/${school.sid}/stats`);
    const head = stats.failingSince || stats.headAttempts > 0 ? await failingHead(school.sid) : undefined;
    return { school, stats, head };
  }));
}

function card(label, value, kind = '') {
  return h('div', { class: `card ${kind}`.trim() }, h('div', { class: 'card-label', text: label }), h('div', { class: 'card-value', text: value }));
}

function renderSummary(rows) {
  const attention = rows.filter(({ school, stats }) => stats.failingSince || school.status === 'verification_failed').length;
  const backlog = rows.reduce((a, r) => a + r.stats.backlog, 0);
  const deliveredLastHour = rows.reduce((a, r) => a + r.stats.deliveredLastHour, 0);
  clear(summary,
    isAdmin ? card('Schools', fmtNumber(rows.length)) : null,
    card('Active', fmtNumber(rows.filter((r) => r.school.status === 'active').length), 'card-ok'),
    card('Need attention', fmtNumber(attention), attention ? 'card-bad' : ''),
    card('Backlog', fmtNumber(backlog), backlog ? 'card-warn' : ''),
    card('Delivered, last hour', fmtNumber(deliveredLastHour)),
  );
}

function actionButton(label, action, sid, extra = {}) {
  return h('button', { type: 'button', class: `btn btn-sm ${extra.danger ? 'btn-danger-ghost' : 'btn-ghost'}`, 'data-action': action, 'data-sid': sid, disabled: extra.disabled, title: extra.title }, label);
}

function actionsFor({ school, stats, head }) {
  const sid = school.sid;
  const buttons = [actionButton('Re-verify', 'verify', sid)];
  if (isAdmin) {
    buttons.push(school.status === 'paused' ? actionButton('Resume', 'resume', sid) : actionButton('Pause', 'pause', sid));
    if (stats.backlog > 0) {
      buttons.push(actionButton('Skip head', 'skip-head', sid, { danger: true, title: `Skip ${head ? head.eventId : 'the event at the head of the queue'}` }));
    }
  }
  buttons.push(actionButton('Replay…', 'replay', sid), actionButton('Rotate secret', 'rotate-secret', sid, { danger: true }));
  return h('div', { class: 'row-actions' }, buttons);
}

function renderRow(row) {
  const { school, stats, head } = row;
  const failing = Boolean(stats.failingSince);
  const status = h('div', { class: 'stack-xs' }, badge(school.status),
    failing ? badge('failing') : null,
    school.lastError && school.status !== 'active' ? h('div', { class: 'error-text', title: school.lastError, text: school.lastError }) : null);
  const failingCell = failing
    ? h('div', { class: 'stack-xs' },
      h('span', { title: stats.failingSince, text: fmtAgo(stats.failingSince) }),
      h('span', { class: 'muted small', text: `${stats.headAttempts} attempt(s)` }),
      stats.lastError ? h('span', { class: 'error-text', title: stats.lastError, text: stats.lastError }) : null,
      head ? h('a', { href: `/admin/events/${encodeURIComponent(head.eventId)}`, class: 'head-link', 'data-head-event': head.eventId, text: 'Open head event →' }) : null)
    : h('span', { class: 'muted', text: '—' });
  return h('tr', { 'data-sid': school.sid, 'data-status': school.status, 'data-failing': failing ? 'true' : 'false', class: failing ? 'row-failing' : '' },
    h('td', {},
      h('div', { class: 'school-name' }, h('a', { href: `/admin/deliveries?sid=${school.sid}`, text: school.name }), h('span', { class: 'sid', text: `#${school.sid}` })),
      h('div', { class: 'muted small mono ellipsis', title: school.endpointUrl, text: school.endpointUrl }),
      stats.maxPushesPerS ? h('div', { class: 'muted small push-limit', title: 'maxPushesPerS: pushes that ended within the last second, of the limit', text: `≤ ${fmtNumber(stats.maxPushesPerS)} pushes/s (now ${fmtNumber(stats.pushesLastSecond ?? 0)})` }) : null),
    h('td', {}, status),
    h('td', { class: 'num backlog', text: fmtNumber(stats.backlog) }),
    h('td', { class: 'num', text: stats.backlog ? fmtDuration(stats.oldestPendingAgeS) : '—' }),
    h('td', {}, failingCell),
    h('td', { class: 'num', text: fmtNumber(stats.deliveredLastHour) }),
    h('td', {}, sparkline(stats.deliveriesPerMinute, 120, 30)),
    h('td', { class: 'actions-col' }, actionsFor(row)),
  );
}

let rowsBySid = new Map();

async function refresh() {
  if (dialogOpen()) return;
  try {
    const rows = await load();
    rowsBySid = new Map(rows.map((r) => [String(r.school.sid), r]));
    renderSummary(rows);
    if (rows.length === 0) clear(tbody, h('tr', {}, h('td', { colspan: 8, class: 'empty', text: 'No schools yet. Register one with POST /v1/schools.' })));
    else clear(tbody, rows.map(renderRow));
    updated.textContent = `Updated ${new Date().toLocaleTimeString()}.`;
  } catch (error) {
    toast(`Could not load schools: ${error.message}`, 'error');
  }
}

const ACTIONS = {
  verify: (sid) => ({
    title: `Re-verify school ${sid}`,
    message: 'Sends the registration test push again. The school is pending until its endpoint acknowledges.',
    confirmLabel: 'Send test push',
    run: async () => { await api('POST', `/v1/schools/${sid}/verify`, {}); toast(`Test push sent to school ${sid}`, 'success'); },
  }),
  pause: (sid) => ({
    title: `Pause school ${sid}`,
    message: 'Stops pushing to this school. Events are kept, in order, and delivered after resuming.',
    confirmLabel: 'Pause delivery', danger: true,
    run: async () => { await api('POST', `/v1/schools/${sid}/pause`, {}); toast(`School ${sid} paused`, 'success'); },
  }),
  resume: (sid) => ({
    title: `Resume school ${sid}`,
    message: 'Continues delivery from the head of the queue.',
    confirmLabel: 'Resume delivery',
    run: async () => { await api('POST', `/v1/schools/${sid}/resume`, {}); toast(`School ${sid} resumed`, 'success'); },
  }),
  'skip-head': (sid) => {
    const head = rowsBySid.get(String(sid))?.head;
    return {
      title: `Skip the head event of school ${sid}`,
      message: `${head ? `Event ${head.eventId} (${head.type})` : 'The event at the head of the queue'} will not be pushed again; it is recorded as skipped and the next event follows.`,
      confirmLabel: 'Skip event', danger: true,
      run: async () => {
        const out = await api('POST', `/v1/schools/${sid}/skip-head`, head ? { eventId: head.eventId } : {});
        toast(`Skipped ${out.skipped}`, 'success');
      },
    };
  },
  'rotate-secret': (sid) => ({
    title: `Rotate the signing secret of school ${sid}`,
    message: 'A new secret signs every push from now on. The school must update its receiver, or it will reject pushes.',
    confirmLabel: 'Rotate secret', danger: true,
    run: async () => {
      const out = await api('POST', `/v1/schools/${sid}/rotate-secret`, {});
      return secretBox('The new secret is shown only this once. Copy it now.', out.secret);
    },
  }),
};

tbody.addEventListener('click', async (event) => {
  const button = event.target.closest('button[data-action]');
  if (!button) return;
  const { action, sid } = button.dataset;
  if (action === 'replay') await replayAction(sid);
  else await confirmAction(ACTIONS[action](sid));
  await refresh();
});

await refresh();
setInterval(refresh, REFRESH_MS);
