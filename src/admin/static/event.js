/* global document, setTimeout, clearTimeout */
// One event: facts, every attempt, the wire JSON; skip (operators, head only) and redeliver.
import { api, badge, clear, confirmAction, dialogOpen, fmtTime, h, isAdmin, toast } from './common.js';

const eventId = document.getElementById('event-id').dataset.eventId;
const facts = document.getElementById('event-facts');
const actions = document.getElementById('event-actions');
const attemptsBody = document.querySelector('#attempts tbody');
const LIVE_MS = 3000;

function fact(label, ...value) {
  return h('div', { class: 'fact' }, h('dt', { text: label }), h('dd', {}, ...value));
}

function renderFacts(ev) {
  clear(facts, h('dl', { class: 'facts-grid' },
    fact('Status', badge(ev.status)),
    fact('School', h('a', { href: `/admin/deliveries?sid=${ev.sid}`, text: `#${ev.sid}` })),
    fact('Type', h('span', { class: 'mono', text: ev.type })),
    fact('Cmd', h('span', { class: 'mono', text: ev.cmd ?? '—' })),
    fact('Accepted', fmtTime(ev.event.acceptedAt)),
    fact('Delivered', fmtTime(ev.deliveredAt)),
    fact('Attempts', String(ev.attemptCount ?? ev.attempts.length)),
  ));
}

function renderAttempts(attempts) {
  if (attempts.length === 0) {
    clear(attemptsBody, h('tr', {}, h('td', { colspan: 7, class: 'empty', text: 'Not attempted yet.' })));
    return;
  }
  clear(attemptsBody, [...attempts].reverse().map((a) => h('tr', { 'data-outcome': a.outcome },
    h('td', { class: 'num', text: a.n }),
    h('td', { class: 'nowrap', text: fmtTime(a.at) }),
    h('td', { class: 'num', text: a.durationMs === null || a.durationMs === undefined ? '—' : `${a.durationMs} ms` }),
    h('td', { class: 'num', text: a.httpStatus ?? '—' }),
    h('td', { class: 'num', text: a.errno ?? '—' }),
    h('td', {}, badge(a.outcome)),
    h('td', {}, a.response ? h('code', { class: 'reply', title: a.response, text: a.response }) : h('span', { class: 'muted', text: '—' })),
  )));
}

function renderActions(ev) {
  const buttons = [];
  if (isAdmin && (ev.status === 'failing' || ev.status === 'pending')) {
    buttons.push(h('button', { type: 'button', class: 'btn btn-danger', id: 'skip-event', onclick: () => skip(ev) }, 'Skip this event'));
  }
  if (ev.status === 'delivered' || ev.status === 'skipped') {
    buttons.push(h('button', { type: 'button', class: 'btn btn-primary', id: 'redeliver-event', onclick: () => redeliver(ev) }, 'Redeliver'));
  }
  clear(actions, buttons);
}

async function skip(ev) {
  const done = await confirmAction({
    title: 'Skip this event?',
    message: `${ev.id} will not be pushed to school ${ev.sid} again. It is recorded as skipped and the next event follows. Only the event at the head of the school's queue can be skipped.`,
    confirmLabel: 'Skip event', danger: true,
    run: async () => {
      await api('POST', `/v1/schools/${ev.sid}/skip-head`, { eventId: ev.id });
      toast('Event skipped', 'success');
    },
  });
  if (done) await refresh();
}

async function redeliver(ev) {
  const done = await confirmAction({
    title: 'Redeliver this event?',
    message: `${ev.id} is pushed to school ${ev.sid} again, behind the events already waiting.`,
    confirmLabel: 'Redeliver',
    run: async () => {
      await api('POST', `/v1/events/${encodeURIComponent(ev.id)}/redeliver`, {});
      toast('Event queued again', 'success');
    },
  });
  if (done) await refresh();
}

async function refresh() {
  if (dialogOpen()) return schedule(true);
  try {
    const ev = await api('GET', `/v1/events/${encodeURIComponent(eventId)}`);
    renderFacts(ev);
    renderAttempts(ev.attempts);
    renderActions(ev);
    document.getElementById('wire-json').textContent = ev.wire ? JSON.stringify(ev.wire, null, 2) : '(not pushable)';
    document.getElementById('event-json').textContent = JSON.stringify(ev.event, null, 2);
    schedule(ev.status === 'pending' || ev.status === 'failing');
  } catch (error) {
    clear(facts, h('p', { class: 'empty error-text', text: error.status === 404 ? 'This event does not exist (or belongs to another school).' : error.message }));
  }
}

let timer;
function schedule(live) {
  if (timer) clearTimeout(timer);
  timer = live ? setTimeout(refresh, LIVE_MS) : undefined;
}

await refresh();
