/* global document, setInterval */
// Alerts: GET /v1/alerts (a school sees its own), refreshed every 10 seconds.
import { api, badge, clear, fmtTime, h, toast } from './common.js';

const tbody = document.querySelector('#alerts tbody');
const updated = document.getElementById('updated');

function row(alert) {
  return h('tr', { 'data-alert-id': alert.id, class: alert.kind.endsWith('_recovered') ? '' : 'row-failing' },
    h('td', { class: 'nowrap', text: fmtTime(alert.at) }),
    h('td', { class: 'num-left', text: `#${alert.sid}` }),
    h('td', {}, badge(alert.kind)),
    h('td', { class: 'nowrap muted', text: alert.since ? fmtTime(alert.since) : '—' }),
    h('td', {}, h('div', { text: alert.message }), alert.lastError ? h('div', { class: 'muted small mono', text: alert.lastError }) : ''));
}

async function load() {
  try {
    const { items } = await api('GET', '/v1/alerts?limit=200');
    clear(tbody, ...(items.length ? items.map(row) : [h('tr', {}, h('td', { colspan: 5, class: 'empty', text: 'No alerts: every school is being delivered to.' }))]));
    updated.textContent = `Updated ${new Date().toLocaleTimeString()}.`;
  } catch (error) {
    toast(`Could not load alerts: ${error.message}`, 'error');
  }
}

load();
setInterval(load, 10_000);
