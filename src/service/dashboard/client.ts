/**
 * The dashboard's script, sent inline as a module (no build step, no external assets). It only
 * shows what the service answers: a page of session views from `GET sessions` (filtered and
 * paged by the service, which reads its materialized views by index), the changes after that
 * page from `events`, and for the selected session its view, records and machine trace. Every
 * read of the service is in `api`, with addresses relative to the page, so the service can be
 * mounted under any base path.
 *
 * Rows keep their place while the pointer is over the list (a row never moves under a click),
 * and a row whose view did not change keeps its element. Times are shown in one format,
 * ISO 8601 in UTC, as the records and the anomaly messages write them.
 *
 * Written as plain browser JavaScript in a raw string: it must not contain a backtick or a
 * dollar sign followed by a brace. Every text is set with `textContent`, never as markup.
 */
export const CLIENT_SCRIPT = String.raw`
/** The sessions the list holds: id → { view, live (event position) or rank (place in the pages), fresh }. */
const sessions = new Map();
let selected = null;
let renderQueued = false;
let detailTimer = null;
let detailToken = 0;
/** While the pointer is over the list: the order of its rows, which updates do not change. */
let frozen = null;
/** Each session's row element and the view it shows, so an unchanged row is not rebuilt. */
const rowCache = new Map();
/** The service's cursor for the next page of the list (null: no more), and the list's generation. */
let next = null;
let listToken = 0;
let following = false;
const PAGE = 50;

/** The service's answers: the only place that reads it. */
const api = {
  /** A page of session views matching the filters: { sessions, next, position }. */
  async page(f, after) {
    const query = new URLSearchParams({ limit: String(PAGE), order: f.id ? 'id' : 'recent' });
    if (f.id) query.set('prefix', f.id);
    if (f.status) query.set('status', f.status);
    if (f.decision) query.set('decision', f.decision);
    if (f.anomalies) query.set('anomalies', f.anomalies === 'with' ? 'true' : 'false');
    if (after !== null) query.set('after', after);
    const response = await fetch('sessions?' + query);
    if (!response.ok) throw new Error('the service answered ' + response.status);
    return response.json();
  },
  /** Follow the changes after a position: onView(view, eventId) for each, onState('open' | 'error' | 'closed'). */
  follow(after, onView, onState) {
    const source = new EventSource('events?after=' + encodeURIComponent(after));
    source.addEventListener('open', () => onState('open'));
    source.addEventListener('error', () => onState(source.readyState === EventSource.CLOSED ? 'closed' : 'error'));
    source.addEventListener('view', (event) => onView(JSON.parse(event.data), Number(event.lastEventId) || 0));
  },
  /** A session's view, records and machine trace, read until the records and the trace agree. */
  async detail(id) {
    const base = 'sessions/' + encodeURIComponent(id);
    for (let attempt = 0; ; attempt++) {
      const [viewResponse, recordsResponse, traceResponse] = await Promise.all([fetch(base), fetch(base + '/records'), fetch(base + '/machines')]);
      if (!viewResponse.ok || !recordsResponse.ok || !traceResponse.ok) throw new Error('the service answered ' + viewResponse.status + ' / ' + recordsResponse.status + ' / ' + traceResponse.status);
      const view = await viewResponse.json();
      const text = await recordsResponse.text();
      const records = text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line));
      const trace = await traceResponse.json();
      // A record may land between the reads: read again until they agree.
      if (records.length === trace.steps.length || attempt >= 4) return { view, records, trace };
    }
  },
};

const $ = (id) => document.getElementById(id);

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') el.className = value;
    else if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const hidden = (text) => h('span', { class: 'sr-only' }, text);

const DECISION_LABEL = {
  none: 'none',
  'pending-review': 'pending review',
  approved: 'approved',
  rejected: 'rejected',
  conflict: 'conflict',
};

function decisionBadge(view) {
  return h(
    'span',
    { class: 'badge decision-' + view.decision },
    DECISION_LABEL[view.decision] || view.decision,
    view.pollRequested ? h('span', { class: 'hint' }, ' · poll requested') : null,
  );
}

function moduleChip(name, access) {
  const final = access.stage === 'final';
  const title = [
    name + ': ' + access.stage,
    access.endpoints.map((e) => e.method + ' ' + (e.path === null ? e.description : e.path)).join(', '),
    access.refetch ? 'fetch again: ' + access.refetch.reason + ' (latest ' + when(access.refetch.after) + ')' : '',
  ]
    .filter(Boolean)
    .join(' — ');
  return h(
    'span',
    { class: 'chip ' + (final ? 'final' : 'preliminary'), title, 'data-module': name, 'data-stage': access.stage },
    h('span', { 'aria-hidden': 'true', class: 'glyph' }, final ? '●' : '◐'),
    name,
    hidden(final ? ' (final)' : ' (preliminary)'),
    access.refetch ? h('span', { class: 'refetch', title: access.refetch.reason }, ' ↻', hidden(' fetch again')) : null,
  );
}

function anomalySummary(anomalies) {
  if (anomalies.length === 0) return h('span', { class: 'muted' }, '0');
  const counts = new Map();
  for (const a of anomalies) counts.set(a.code, (counts.get(a.code) || 0) + 1);
  const severe = anomalies.some((a) => a.severity === 'error');
  return h(
    'span',
    { class: 'anomalies' },
    h('span', { class: 'count ' + (severe ? 'error' : 'warning') }, String(anomalies.length)),
    ' ',
    h(
      'span',
      { class: 'codes' },
      [...counts].map(([code, n]) => (n > 1 ? code + ' ×' + n : code)).join(', '),
    ),
  );
}

function filters() {
  return {
    id: $('f-id').value.trim(),
    status: $('f-status').value,
    decision: $('f-decision').value,
    anomalies: $('f-anomalies').value,
  };
}

/** Whether a view a change brought belongs in the list the filters ask for (the service decided the pages). */
function matches(view, f) {
  if (f.id && !view.interviewId.startsWith(f.id)) return false;
  if (f.status && view.status !== f.status) return false;
  if (f.decision && view.decision !== f.decision) return false;
  if (f.anomalies === 'with' && view.anomalies.length === 0) return false;
  if (f.anomalies === 'without' && view.anomalies.length > 0) return false;
  return true;
}

function row(entry) {
  const view = entry.view;
  const current = view.interviewId === selected;
  return h(
    'tr',
    {
      'data-session': view.interviewId,
      'aria-current': current ? 'true' : null,
      class: entry.fresh ? 'fresh' : null,
    },
    h(
      'th',
      { scope: 'row' },
      h(
        'button',
        { type: 'button', class: 'link', 'aria-label': 'Show session ' + view.interviewId, 'aria-pressed': current ? 'true' : 'false' },
        view.interviewId,
      ),
    ),
    h('td', { class: 'status', 'data-status': view.status }, view.status),
    h('td', { class: 'decision' }, decisionBadge(view)),
    h(
      'td',
      { class: 'fetchable' },
      view.fetchable.length === 0
        ? h('span', { class: 'muted' }, 'nothing yet')
        : view.fetchable.map((name) => moduleChip(name, view.modules[name])),
    ),
    h('td', { class: 'anomaly-cell' }, anomalySummary(view.anomalies)),
    h('td', { class: 'num' }, String(view.records)),
  );
}

/** The sessions the list shows, in order: by id with an id prefix, else changed since the page first (newest first), then the pages' order. */
function visible() {
  const byId = filters().id !== '';
  const all = [...sessions.values()].sort((a, b) => {
    if (byId) return a.view.interviewId < b.view.interviewId ? -1 : 1;
    if ((a.live > 0) !== (b.live > 0)) return a.live > 0 ? -1 : 1;
    if (a.live > 0) return b.live - a.live;
    return a.rank - b.rank;
  });
  return { shown: all };
}

/** A session's row: the cached element while its view, selection and freshness are unchanged. */
function rowOf(entry) {
  const key = JSON.stringify([entry.view, entry.view.interviewId === selected, entry.fresh]);
  const cached = rowCache.get(entry.view.interviewId);
  if (cached && cached.key === key) return cached.tr;
  const tr = row(entry);
  rowCache.set(entry.view.interviewId, { key, tr });
  return tr;
}

function render() {
  renderQueued = false;
  const { shown } = visible();
  let order = shown;
  if (frozen !== null) {
    // Under the pointer, the rows shown stay where they are; new sessions join at the end.
    const kept = frozen.filter((id) => sessions.has(id)).map((id) => sessions.get(id));
    const keptIds = new Set(frozen);
    order = [...kept, ...shown.filter((entry) => !keptIds.has(entry.view.interviewId))];
    frozen = order.map((entry) => entry.view.interviewId);
  }
  // Rows are rebuilt only when their view changed: keep the keyboard focus on the same session's button.
  const focusedRow = document.activeElement && document.activeElement.closest ? document.activeElement.closest('#rows tr') : null;
  const focused = focusedRow ? focusedRow.getAttribute('data-session') : null;
  const rows = order.map(rowOf);
  const body = $('rows');
  if (rows.length !== body.children.length || rows.some((tr, i) => body.children[i] !== tr)) body.replaceChildren(...rows);
  if (focused !== null && !(document.activeElement && document.activeElement.closest && document.activeElement.closest('#rows tr'))) {
    for (const tr of body.children) if (tr.getAttribute('data-session') === focused) tr.querySelector('button').focus();
  }
  for (const entry of sessions.values()) entry.fresh = false;
  const f = filters();
  const filtered = Boolean(f.id || f.status || f.decision || f.anomalies);
  const count = shown.length + (next !== null ? '+' : '');
  $('count').textContent =
    shown.length === 0
      ? ''
      : count + (shown.length === 1 && next === null ? ' session' : ' sessions') + (filtered ? (shown.length === 1 && next === null ? ' matches' : ' match') : '');
  $('empty').hidden = filtered || shown.length > 0;
  $('none-match').hidden = !filtered || shown.length > 0;
  $('more').hidden = next === null;
}

function queueRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(render);
}

function select(id) {
  selected = id;
  if (location.hash !== '#session=' + encodeURIComponent(id)) history.replaceState(null, '', '#session=' + encodeURIComponent(id));
  document.body.classList.add('with-detail');
  queueRender();
  loadDetail(true);
}

/** The session a link (#session=…) names, if it is one this page made. */
function linkedSession() {
  const found = /^#session=(.+)$/.exec(location.hash);
  if (!found) return null;
  try {
    return decodeURIComponent(found[1]);
  } catch {
    return null; // Not a link this page made (bad percent-encoding): show the list only.
  }
}

/** Every time on the page, in one format: ISO 8601 in UTC, as records and anomaly messages write it. */
function when(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toISOString();
}

/** A short line about what a record carried (the fields that say what happened, no personal data). */
function gist(record) {
  const body = record && typeof record.body === 'object' && record.body !== null ? record.body : {};
  const parts = [];
  for (const key of ['onboardingStatus', 'ScrapingStatus', 'overallStatus', 'ref', 'requestId', 'identityId']) {
    if (key in body) parts.push(key + ' ' + JSON.stringify(body[key]));
  }
  if ('success' in body) parts.push('success ' + JSON.stringify(body.success));
  if (record && record.kind === 'poll' && record.requestedAt) parts.push('sent ' + when(record.requestedAt));
  return parts.join(' · ');
}

function short(ref) {
  const [machine, region, state] = ref.split('.');
  return machine === 'onboarding' ? region + ' → ' + state : machine + ' ' + region + ' → ' + state;
}

function timelineItem(step, record) {
  const odd = step.anomalies.length > 0;
  return h(
    'li',
    { class: odd ? 'step has-anomaly' : 'step', 'data-seq': step.seq },
    h(
      'div',
      { class: 'step-head' },
      h('span', { class: 'marker', 'aria-hidden': 'true' }, odd ? '!' : ''),
      h('time', { datetime: step.receivedAt }, when(step.receivedAt)),
      h('span', { class: 'kind' }, step.kind),
      h('span', { class: 'gist' }, gist(record)),
    ),
    step.routed === 'waiting' ? h('p', { class: 'note' }, 'names no session: waits for a record that ties its id') : null,
    step.entered.length > 0
      ? h(
          'p',
          { class: 'entered' },
          hidden('entered states: '),
          step.entered.map((ref) => h('span', { class: 'enter', title: ref }, short(ref))),
        )
      : null,
    odd
      ? h(
          'ul',
          { class: 'step-anomalies', 'aria-label': 'anomalies' },
          step.anomalies.map((a) =>
            h('li', { class: 'anomaly ' + a.severity, 'data-code': a.code }, h('strong', {}, a.code), ' ', a.message),
          ),
        )
      : null,
  );
}

function summary(view) {
  const items = [
    ['Status', view.status],
    ['Decision', decisionBadge(view)],
    ['Session lifecycle', view.session],
    ['Distinct records', String(view.records)],
  ];
  return items.map(([term, value]) => h('div', {}, h('dt', {}, term), h('dd', {}, value)));
}

function modulesTable(view) {
  if (view.fetchable.length === 0) return h('p', { class: 'muted' }, 'Nothing is safe to fetch yet.');
  return h(
    'table',
    { class: 'modules' },
    h('caption', { class: 'sr-only' }, 'Modules safe to fetch now'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Module'), h('th', { scope: 'col' }, 'Stage'), h('th', { scope: 'col' }, 'Endpoints'), h('th', { scope: 'col' }, 'Fetch again'))),
    h(
      'tbody',
      {},
      view.fetchable.map((name) => {
        const access = view.modules[name];
        return h(
          'tr',
          {},
          h('th', { scope: 'row' }, name),
          h('td', {}, h('span', { class: 'stage ' + access.stage }, access.stage)),
          h('td', { class: 'endpoints' }, access.endpoints.length === 0 ? '—' : access.endpoints.map((e) => (e.path === null ? h('span', { class: 'endpoint-note' }, e.description) : h('code', {}, e.method + ' ' + e.path)))),
          h('td', {}, access.refetch ? access.refetch.reason + ' (' + access.refetch.count + ', latest ' + when(access.refetch.after) + ')' : '—'),
        );
      }),
    ),
  );
}

function highlight(trace) {
  const reached = new Set(trace.reached);
  const current = new Set(trace.current);
  for (const node of document.querySelectorAll('[data-state]')) {
    const ref = node.getAttribute('data-state');
    node.classList.toggle('reached', reached.has(ref));
    node.classList.toggle('current', current.has(ref));
  }
  const lists = Object.entries(trace.machines).map(([machine, value]) =>
    h(
      'li',
      {},
      h('strong', {}, machine + ': '),
      Object.entries(value)
        .map(([region, state]) => region + ' ' + state)
        .join(' · '),
    ),
  );
  $('d-states').replaceChildren(...lists);
}

function showView(view) {
  $('d-summary').replaceChildren(...summary(view));
  $('d-modules').replaceChildren(modulesTable(view));
}

async function loadDetail(scroll) {
  const id = selected;
  const entry = id === null ? undefined : sessions.get(id);
  const section = $('detail');
  if (id === null) {
    section.hidden = true;
    return;
  }
  section.hidden = false;
  $('d-id').textContent = id;
  if (entry) showView(entry.view);
  const token = ++detailToken;
  try {
    const { view, records, trace } = await api.detail(id);
    if (token !== detailToken) return;
    showView(view);
    highlight(trace);
    const items = trace.steps.map((step, i) => timelineItem(step, records[i]));
    $('timeline').replaceChildren(...items.reverse());
    const odd = trace.steps.filter((step) => step.anomalies.length > 0).length;
    $('timeline-count').textContent =
      trace.steps.length + (trace.steps.length === 1 ? ' delivery' : ' deliveries') + ', ' + odd + ' with anomalies, latest first';
    section.setAttribute('data-loaded', id);
    $('d-error').hidden = true;
  } catch (error) {
    if (token !== detailToken) return;
    $('d-error').hidden = false;
    $('d-error').textContent = 'Could not load this session: ' + (error && error.message ? error.message : String(error));
  }
  // Beside the list, the detail is in view already; below it (a narrow window), bring it up.
  if (scroll && section.getBoundingClientRect().top > window.innerHeight) section.scrollIntoView({ block: 'start' });
}

function queueDetail() {
  clearTimeout(detailTimer);
  detailTimer = setTimeout(() => loadDetail(false), 150);
}

const LIVE = { open: ['Live', 'live on'], error: ['Reconnecting…', 'live off'], closed: ['Disconnected', 'live off'] };

/** A change: the session joins, moves up, or leaves the list, as it matches the filters now. */
function onView(view, seq) {
  const known = sessions.get(view.interviewId);
  if (matches(view, filters())) sessions.set(view.interviewId, { view, live: seq, rank: 0, fresh: known !== undefined });
  else sessions.delete(view.interviewId);
  queueRender();
  if (view.interviewId === selected) {
    showView(view);
    queueDetail();
  }
}

/** Load the list again from its first page (the filters changed), or its next page (more). */
async function load(more) {
  const token = more ? listToken : ++listToken;
  const f = filters();
  try {
    const page = await api.page(f, more ? next : null);
    if (token !== listToken) return;
    if (!more) sessions.clear();
    let rank = sessions.size;
    for (const view of page.sessions) if (!sessions.has(view.interviewId)) sessions.set(view.interviewId, { view, live: 0, rank: rank++, fresh: false });
    next = page.next;
    if (!following) {
      // Changes after the first page's position: nothing between the page and the stream is missed.
      following = true;
      api.follow(page.position, onView, (state) => {
        $('live').textContent = LIVE[state][0];
        $('live').className = LIVE[state][1];
      });
    }
    queueRender();
  } catch (error) {
    $('live').textContent = 'Could not load the sessions: ' + (error && error.message ? error.message : String(error));
    $('live').className = 'live off';
  }
}

let filterTimer = null;
function filtersChanged() {
  clearTimeout(filterTimer);
  filterTimer = setTimeout(() => load(false), 150);
}

for (const id of ['f-id', 'f-status', 'f-decision', 'f-anomalies']) $(id).addEventListener('input', filtersChanged);
$('filters').addEventListener('submit', (event) => event.preventDefault());
$('filters').addEventListener('reset', () => setTimeout(filtersChanged));
$('more').addEventListener('click', () => load(true));

// One listener for every row: a click anywhere on a row opens its session.
$('rows').addEventListener('click', (event) => {
  const tr = event.target.closest('tr[data-session]');
  if (tr) select(tr.getAttribute('data-session'));
});
// Rows keep their place while the pointer is over the list; they settle when it leaves.
$('rows').addEventListener('pointerenter', () => {
  frozen = [...$('rows').children].map((tr) => tr.getAttribute('data-session'));
});
$('rows').addEventListener('pointerleave', () => {
  frozen = null;
  queueRender();
});

function followLink() {
  const id = linkedSession();
  if (id !== null && id !== selected) select(id);
}
window.addEventListener('hashchange', followLink);
followLink();
load(false);
render();
`;
