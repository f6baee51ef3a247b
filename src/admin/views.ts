import { EVENT_TYPES } from '../domain/catalogue.js';
import { DELIVERY_STATUSES } from '../store/deliveries.js';
import type { Session } from './sessions.js';

/** Escapes text for HTML element content and double-quoted attribute values. */
function esc(value: unknown): string {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

export type PageName = 'schools' | 'deliveries' | 'event' | 'alerts';

const STATIC = '/admin/static';

function head(title: string, csrf?: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · classbell</title>
${csrf ? `<meta name="csrf-token" content="${esc(csrf)}">` : ''}
<link rel="icon" href="${STATIC}/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${STATIC}/admin.css">
</head>`;
}

function who(session: Session): string {
  return session.principal.kind === 'admin' ? 'Operator' : `School ${session.principal.sid}`;
}

function nav(session: Session, active: PageName): string {
  const link = (href: string, label: string, page: PageName | 'queues') =>
    `<a href="${href}"${page === active ? ' class="active" aria-current="page"' : ''}>${esc(label)}</a>`;
  const isAdmin = session.principal.kind === 'admin';
  return `<header class="topbar">
  <a class="brand" href="/admin"><span class="bell" aria-hidden="true">●</span> classbell</a>
  <nav>
    ${link('/admin', isAdmin ? 'Schools' : 'My school', 'schools')}
    ${link('/admin/deliveries', 'Delivery log', 'deliveries')}
    ${link('/admin/alerts', 'Alerts', 'alerts')}
    ${isAdmin ? link('/admin/queues', 'Queues', 'queues') : ''}
  </nav>
  <div class="whoami">
    <span class="role role-${esc(session.principal.kind)}">${esc(who(session))}</span>
    <form method="post" action="/admin/logout">
      <input type="hidden" name="csrf" value="${esc(session.csrf)}">
      <button type="submit" class="btn btn-ghost btn-sm" id="logout">Log out</button>
    </form>
  </div>
</header>`;
}

/** The confirmation dialog every action goes through (filled in by common.js). */
const CONFIRM_DIALOG = `<dialog id="confirm" class="dialog">
  <form method="dialog" class="dialog-body">
    <h2 class="dialog-title"></h2>
    <p class="dialog-message"></p>
    <div class="dialog-fields"></div>
    <div class="dialog-result" hidden></div>
    <div class="dialog-actions">
      <button value="cancel" class="btn btn-ghost" id="confirm-cancel" formnovalidate>Cancel</button>
      <button value="ok" class="btn btn-primary" id="confirm-ok">Confirm</button>
    </div>
  </form>
</dialog>
<div id="toasts" class="toasts" aria-live="polite"></div>`;

/** A signed-in page: its data is fetched from /v1 by the page's script. */
export function appPage(options: { title: string; session: Session; page: PageName; main: string }): string {
  const { title, session, page, main } = options;
  const sid = session.principal.kind === 'school' ? String(session.principal.sid) : '';
  return `${head(title, session.csrf)}
<body data-page="${esc(page)}" data-role="${esc(session.principal.kind)}" data-sid="${esc(sid)}">
${nav(session, page)}
<main class="container">
${main}
</main>
${CONFIRM_DIALOG}
<script type="module" src="${STATIC}/${esc(page)}.js"></script>
</body>
</html>`;
}

export function schoolsMain(session: Session): string {
  const isAdmin = session.principal.kind === 'admin';
  return `<div class="page-head">
  <div>
    <h1>${isAdmin ? 'Schools' : 'My school'}</h1>
    <p class="muted">Delivery state per school. Refreshes every 5 seconds. <span id="updated"></span></p>
  </div>
</div>
<section class="cards" id="summary" aria-label="Summary"></section>
<section class="panel">
  <table class="table" id="schools">
    <thead><tr>
      <th>School</th><th>Status</th><th class="num">Backlog</th><th class="num">Oldest pending</th>
      <th>Failing since</th><th class="num">Delivered 1 h</th><th>Per minute, 1 h</th><th class="actions-col">Actions</th>
    </tr></thead>
    <tbody><tr><td colspan="8" class="empty">Loading…</td></tr></tbody>
  </table>
</section>`;
}

function options(values: readonly string[], label: (v: string) => string = (v) => v): string {
  return values.map((v) => `<option value="${esc(v)}">${esc(label(v))}</option>`).join('');
}

/** Alerts: failing heads, failed verifications and their recoveries (GET /v1/alerts). */
export function alertsMain(): string {
  return `<div class="page-head">
  <div>
    <h1>Alerts</h1>
    <p class="muted">A head failing for an hour (and every hour after), a failed verification, and their recoveries. Newest first. <span id="updated"></span></p>
  </div>
</div>
<section class="panel">
  <table class="table" id="alerts">
    <thead><tr><th>Time</th><th>School</th><th>Alert</th><th>Since</th><th>What happened</th></tr></thead>
    <tbody><tr><td colspan="5" class="empty">Loading…</td></tr></tbody>
  </table>
</section>`;
}

export function deliveriesMain(session: Session): string {
  const isAdmin = session.principal.kind === 'admin';
  return `<div class="page-head">
  <div>
    <h1>Delivery log</h1>
    <p class="muted">Pushed events, newest first. Click a row to open the event.</p>
  </div>
  <div class="filter-buttons">
    <a class="btn btn-ghost" id="export-csv" href="/v1/deliveries/export?format=csv" download title="Every delivery that matches the filters, with its attempts">Export CSV</a>
    <a class="btn btn-ghost" id="export-ndjson" href="/v1/deliveries/export?format=ndjson" download title="Every delivery that matches the filters, with its attempts">Export NDJSON</a>
  </div>
</div>
<form class="filters panel" id="filters" method="get" action="/admin/deliveries">
  <label${isAdmin ? '' : ' hidden'}>School<select name="sid" id="f-sid"><option value="">All schools</option></select></label>
  <label>Status<select name="status" id="f-status"><option value="">Any status</option>${options(DELIVERY_STATUSES)}</select></label>
  <label>Type<select name="type" id="f-type"><option value="">Any type</option>${options(EVENT_TYPES)}</select></label>
  <label>Since<input type="datetime-local" name="since" id="f-since" step="1"></label>
  <label>Until<input type="datetime-local" name="until" id="f-until" step="1"></label>
  <div class="filter-buttons">
    <button type="submit" class="btn btn-primary">Apply</button>
    <a class="btn btn-ghost" href="/admin/deliveries">Reset</a>
  </div>
</form>
<section class="panel">
  <table class="table table-click" id="deliveries">
    <thead><tr>
      <th>Accepted</th><th>Event</th><th>School</th><th>Type</th><th>Cmd</th><th>Status</th>
      <th class="num">Attempts</th><th>Last attempt</th><th>Delivered</th>
    </tr></thead>
    <tbody><tr><td colspan="9" class="empty">Loading…</td></tr></tbody>
  </table>
  <div class="pager" id="pager"></div>
</section>`;
}

export function eventMain(eventId: string): string {
  return `<div class="page-head">
  <div>
    <p class="crumbs"><a href="/admin/deliveries">Delivery log</a> / event</p>
    <h1 class="mono" id="event-id" data-event-id="${esc(eventId)}">${esc(eventId)}</h1>
  </div>
  <div class="page-actions" id="event-actions"></div>
</div>
<section class="panel facts" id="event-facts"><p class="empty">Loading…</p></section>
<section class="panel">
  <h2>Attempts</h2>
  <table class="table" id="attempts">
    <thead><tr><th class="num">#</th><th>Time</th><th class="num">Duration</th><th class="num">HTTP</th><th class="num">errno</th><th>Outcome</th><th>Reply (excerpt)</th></tr></thead>
    <tbody></tbody>
  </table>
</section>
<div class="two-col">
  <section class="panel"><h2>Wire JSON <span class="muted small">(as pushed, without TimeStamp / SafeKey)</span></h2><pre class="code" id="wire-json"></pre></section>
  <section class="panel"><h2>Event</h2><pre class="code" id="event-json"></pre></section>
</div>`;
}

/** The login page: the admin token or a school API key. */
export function loginPage(options: { error?: string; next?: string; signedOut?: boolean }): string {
  const { error, next, signedOut } = options;
  return `${head('Sign in')}
<body class="login-body">
<main class="login">
  <div class="login-card">
    <div class="brand brand-lg"><span class="bell" aria-hidden="true">●</span> classbell</div>
    <p class="muted">Delivery dashboard for operators and schools.</p>
    ${error ? `<div class="alert alert-error" role="alert" id="login-error">${esc(error)}</div>` : ''}
    ${signedOut ? '<div class="alert alert-info" role="status">You are signed out.</div>' : ''}
    <form method="post" action="/admin/login" class="stack">
      <input type="hidden" name="next" value="${esc(next ?? '/admin')}">
      <label for="token">Admin token or school API key</label>
      <input type="password" id="token" name="token" autocomplete="current-password" required autofocus spellcheck="false">
      <button type="submit" class="btn btn-primary btn-block" id="login-submit">Sign in</button>
    </form>
    <p class="muted small">Operators use <code>ADMIN_TOKEN</code>; a school uses the <code>sk_…</code> API key it got at registration and sees only its own school.</p>
  </div>
</main>
</body>
</html>`;
}

/** A plain message page (403 for a school on an admin page, unknown page…). */
export function messagePage(title: string, message: string): string {
  return `${head(title)}
<body class="login-body">
<main class="login"><div class="login-card">
  <div class="brand brand-lg"><span class="bell" aria-hidden="true">●</span> classbell</div>
  <h1>${esc(title)}</h1>
  <p>${esc(message)}</p>
  <p><a class="btn btn-primary" href="/admin">Back to the dashboard</a></p>
</div></main>
</body>
</html>`;
}
