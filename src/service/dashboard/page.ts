/**
 * `GET /`: the dashboard, one self-contained page (markup, inline CSS, an inline module script,
 * the statecharts as inline SVG). It shows what the core decided and decides nothing.
 */
import { DECISIONS } from '../../core/view.js';
import { ONBOARDING_STATUSES } from '../../vendor/statuses.js';
import { CLIENT_SCRIPT } from './client.js';
import { DIAGRAM_MACHINES, diagramSvg, structureOf } from './diagram.js';

export const PAGE_STYLE = `
:root {
  color-scheme: light;
  --bg: #f4f5f7; --card: #fff; --ink: #1b1f24; --muted: #59636e; --line: #d5d9de; --soft: #eef1f4;
  --accent: #1f5fbf; --accent-soft: #dce8fa; --ok: #17663a; --ok-soft: #dcf3e4; --bad: #a4161a; --bad-soft: #fbe1e1;
  --warn: #8a4b00; --warn-soft: #fdebd0; --pending: #6b4ea0; --pending-soft: #ebe4f7;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; }
code, .mono, .kind, td.status, time { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 12px; top: 8px; background: var(--card); padding: 6px 10px; z-index: 2; }
header.top { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 16px; padding: 14px 24px; background: #15263d; color: #fff; }
header.top h1 { margin: 0; font-size: 18px; letter-spacing: .2px; }
header.top p { margin: 0; color: #c6d2e1; flex: 1; }
.live { font-size: 12.5px; padding: 2px 10px; border-radius: 999px; background: #44546a; color: #fff; }
.live.on { background: #1e7a46; } .live.on::before { content: "● "; }
.live.off { background: #9a5b00; }
main { padding: 18px 24px 40px; display: grid; grid-template-columns: minmax(0, 1fr); gap: 18px; max-width: 1700px; margin: 0 auto; align-items: start; }
/* The detail opens beside the list, and stays in view while the list scrolls. */
body.with-detail main { grid-template-columns: minmax(0, 2fr) minmax(0, 3fr); }
body.with-detail #detail { position: sticky; top: 12px; max-height: calc(100vh - 24px); overflow: auto; }
#list { container: sessions / inline-size; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px; }
.bar { display: flex; align-items: baseline; gap: 12px; }
h2 { margin: 0 0 10px; font-size: 16px; } h3 { margin: 20px 0 8px; font-size: 14px; }
.bar h2 { margin: 0; } #count { margin: 0; color: var(--muted); }
.filters { display: flex; flex-wrap: wrap; gap: 10px 16px; align-items: end; margin: 12px 0 10px; }
.filters label { display: grid; gap: 3px; font-size: 12px; color: var(--muted); font-weight: 600; }
.filters input, .filters select, .filters button { font: inherit; color: var(--ink); padding: 5px 8px; border: 1px solid #b6bec8; border-radius: 6px; background: #fff; min-width: 150px; }
.filters button { min-width: 0; cursor: pointer; background: var(--soft); }
.more-bar { margin: 10px 0 0; } #more { font: inherit; padding: 5px 12px; border: 1px solid #b6bec8; border-radius: 6px; background: var(--soft); cursor: pointer; }
:focus-visible { outline: 3px solid #f2a900; outline-offset: 1px; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
#sessions th, #sessions td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--soft); vertical-align: middle; }
#sessions thead th { font-size: 12px; text-transform: uppercase; letter-spacing: .4px; color: var(--muted); border-bottom: 2px solid var(--line); }
#sessions tbody tr { cursor: pointer; }
#sessions tbody tr:hover { background: #f7f9fb; }
#sessions tbody tr[aria-current="true"] { background: var(--accent-soft); box-shadow: inset 4px 0 0 var(--accent); }
#sessions tbody tr.fresh { animation: fresh 1.6s ease-out; }
@keyframes fresh { from { background: #fff4c2; } to { background: transparent; } }
@media (prefers-reduced-motion: reduce) { #sessions tbody tr.fresh { animation: none; } }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
button.link { font: inherit; font-weight: 600; color: var(--accent); background: none; border: 0; padding: 0; cursor: pointer; text-decoration: underline; text-underline-offset: 2px; font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.muted { color: var(--muted); }
.badge { display: inline-block; padding: 1px 9px; border-radius: 999px; font-size: 12.5px; font-weight: 600; background: var(--soft); color: #3a434d; white-space: nowrap; }
.decision-approved { background: var(--ok-soft); color: var(--ok); }
.decision-rejected { background: var(--bad-soft); color: var(--bad); }
.decision-conflict { background: var(--warn-soft); color: var(--warn); outline: 1px solid #e0a458; }
.decision-pending-review { background: var(--pending-soft); color: var(--pending); }
.hint { font-weight: 500; }
.chip { display: inline-flex; align-items: center; gap: 4px; margin: 2px 4px 2px 0; padding: 0 7px; border-radius: 6px; font-size: 12px; white-space: nowrap; }
.chip.final { background: var(--ok-soft); color: var(--ok); border: 1px solid #9fd3b2; }
.chip.preliminary { background: #fff; color: #7a4a00; border: 1px dashed #c58a2b; }
.chip .glyph { font-size: 10px; }
.refetch { font-weight: 700; }
.anomalies .count { display: inline-block; min-width: 22px; text-align: center; border-radius: 999px; font-weight: 700; font-size: 12px; padding: 0 6px; }
.count.warning { background: var(--warn-soft); color: var(--warn); }
.count.error { background: var(--bad-soft); color: var(--bad); }
.codes { color: var(--muted); font-size: 12.5px; }
#detail[hidden] { display: none; }
.detail-head { display: flex; gap: 18px; align-items: baseline; flex-wrap: wrap; }
.summary { display: flex; flex-wrap: wrap; gap: 6px 28px; margin: 6px 0 0; }
.summary div { display: grid; }
.summary dt { font-size: 12px; color: var(--muted); font-weight: 600; }
.summary dd { margin: 0; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 13px; }
table.modules { font-size: 13px; }
table.modules th, table.modules td { text-align: left; padding: 5px 10px 5px 0; border-bottom: 1px solid var(--soft); vertical-align: top; }
table.modules thead th { font-size: 12px; color: var(--muted); }
.endpoints code { display: block; white-space: nowrap; }
.stage { font-weight: 600; } .stage.final { color: var(--ok); } .stage.preliminary { color: #8a5300; }
.legend { display: flex; gap: 18px; flex-wrap: wrap; align-items: center; color: var(--muted); font-size: 12.5px; margin: 0 0 8px; }
.legend .key { display: inline-block; width: 26px; height: 14px; border-radius: 4px; vertical-align: -2px; margin-right: 6px; border: 1.5px solid #aab3bd; background: #fff; }
.legend .key.reached { background: var(--accent-soft); border-color: var(--accent); }
.legend .key.current { background: var(--accent); border: 3px solid #0d3a7a; }
.diagrams { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
figure { margin: 0; border: 1px solid var(--soft); border-radius: 8px; padding: 6px 6px 4px; overflow-x: auto; }
figcaption { font-weight: 600; font-size: 13px; }
svg.diagram { max-width: 100%; height: auto; display: block; }
svg .region-bg { fill: #f7f9fb; stroke: #e3e7eb; }
svg .region-title { font: 600 11px system-ui, "DejaVu Sans", sans-serif; fill: #3a434d; }
svg .initial { fill: #59636e; }
svg .edge { fill: none; stroke: #a4adb8; stroke-width: 1.3; }
svg .arrowhead { fill: #8a94a0; }
svg .st rect { fill: #fff; stroke: #aab3bd; stroke-width: 1.5; }
svg .st text { font: 11.5px ui-monospace, "DejaVu Sans Mono", monospace; fill: #59636e; }
svg .st.reached rect { fill: var(--accent-soft); stroke: var(--accent); }
svg .st.reached text { fill: #123a70; font-weight: 600; }
svg .st.current rect { fill: var(--accent); stroke: #0d3a7a; stroke-width: 3; }
svg .st.current text { fill: #fff; font-weight: 700; }
#d-states { margin: 8px 0 0; padding-left: 18px; color: var(--muted); font-size: 12.5px; }
.timeline { list-style: none; margin: 0; padding: 0 0 0 14px; border-left: 2px solid var(--line); }
.step { position: relative; padding: 6px 0 8px 14px; }
.step .marker { position: absolute; left: -23px; top: 9px; width: 16px; height: 16px; border-radius: 50%; background: #fff; border: 2px solid #9aa4af; font: 700 11px/12px system-ui, sans-serif; text-align: center; color: #fff; }
.step.has-anomaly .marker { background: #c2410c; border-color: #c2410c; }
.step-head { display: flex; gap: 12px; flex-wrap: wrap; align-items: baseline; }
.step time { color: var(--muted); }
.kind { font-weight: 700; }
.gist { color: #3a434d; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
.entered { margin: 3px 0 0; display: flex; gap: 6px; flex-wrap: wrap; }
.enter { font-size: 12px; padding: 0 7px; border-radius: 5px; background: var(--accent-soft); color: #123a70; }
.note { margin: 3px 0 0; color: var(--muted); font-style: italic; }
.step-anomalies { margin: 4px 0 0; padding: 0; list-style: none; }
.anomaly { margin: 3px 0; padding: 4px 10px; border-radius: 6px; border-left: 4px solid; font-size: 13px; }
.anomaly.warning { background: var(--warn-soft); border-color: #d97706; }
.anomaly.error { background: var(--bad-soft); border-color: var(--bad); }
.anomaly strong { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
.error-box { color: var(--bad); font-weight: 600; }
.columns { display: grid; grid-template-columns: minmax(0, 1.25fr) minmax(0, 1fr); gap: 28px; }
@media (max-width: 1000px) { .columns { grid-template-columns: 1fr; } svg.diagram { max-width: none; } }
@media (max-width: 1100px) {
  body.with-detail main { grid-template-columns: minmax(0, 1fr); }
  body.with-detail #detail { position: static; max-height: none; }
}
@media (max-width: 600px) {
  header.top, main { padding-left: 10px; padding-right: 10px; }
  header.top p { order: 3; flex-basis: 100%; }
  .card { padding: 12px; }
  .filters input, .filters select { min-width: 0; width: 100%; }
  .filters label { flex: 1 1 140px; }
}
figure { min-width: 0; max-width: 100%; }
#d-modules { overflow-x: auto; }
/* A narrow list (a phone, or beside the detail): each session is a card, not a table row. */
@container sessions (max-width: 760px) {
  #sessions thead { display: none; }
  #sessions tbody tr { display: grid; grid-template-columns: minmax(0, 1fr) auto; grid-template-areas: "id decision" "status records" "fetchable fetchable" "anomalies anomalies"; gap: 2px 12px; padding: 8px 10px; border-bottom: 1px solid var(--soft); }
  #sessions tbody tr > * { border: 0; padding: 0; }
  #sessions tbody th { grid-area: id; }
  #sessions td.decision { grid-area: decision; justify-self: end; }
  #sessions td.status { grid-area: status; overflow-wrap: anywhere; }
  #sessions td.num { grid-area: records; color: var(--muted); }
  #sessions td.num::after { content: " records"; }
  #sessions td.fetchable { grid-area: fetchable; }
  #sessions td.anomaly-cell { grid-area: anomalies; }
}
`;

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const option = (value: string) => `<option value="${escapeXml(value)}">${escapeXml(value)}</option>`;

let cached: string | undefined;

/** The dashboard page (built once: the machines do not change while the service runs). */
export function dashboardPage(): string {
  if (cached !== undefined) return cached;
  const figures = DIAGRAM_MACHINES.map(
    (name) => `<figure><figcaption>${escapeXml(name)}</figcaption>${diagramSvg(structureOf(name))}</figure>`,
  ).join('\n');
  cached = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>onboarding-status · sessions</title>
<link rel="icon" href="data:,">
<style>${PAGE_STYLE}</style>
</head>
<body>
<a class="skip" href="#sessions">Skip to the sessions</a>
<header class="top">
  <h1>onboarding-status</h1>
  <p>Sessions as the decision core sees them: status, decision, what is safe to fetch, and what was odd.</p>
  <span id="live" class="live" role="status" aria-live="polite">Connecting…</span>
</header>
<main>
<section id="list" class="card" aria-labelledby="sessions-title">
  <div class="bar"><h2 id="sessions-title">Sessions</h2><p id="count" aria-live="polite"></p></div>
  <form id="filters" class="filters" role="search" aria-label="Filter sessions">
    <label for="f-id">Session id<input id="f-id" type="search" placeholder="starts with…" autocomplete="off"></label>
    <label for="f-status">Status<select id="f-status"><option value="">any status</option>${ONBOARDING_STATUSES.map(option).join('')}</select></label>
    <label for="f-decision">Decision<select id="f-decision"><option value="">any decision</option>${DECISIONS.map(option).join('')}</select></label>
    <label for="f-anomalies">Anomalies<select id="f-anomalies"><option value="">any</option><option value="with">with anomalies</option><option value="without">without anomalies</option></select></label>
    <button type="reset">Clear filters</button>
  </form>
  <div class="table-wrap">
    <table id="sessions">
      <caption class="sr-only">Sessions, most recently changed first. Select one to see its state diagram and delivery timeline.</caption>
      <thead><tr><th scope="col">Session</th><th scope="col">Status</th><th scope="col">Decision</th><th scope="col">Fetchable now</th><th scope="col">Anomalies</th><th scope="col" class="num">Records</th></tr></thead>
      <tbody id="rows"></tbody>
    </table>
  </div>
  <p id="empty" class="muted">No sessions yet. Deliveries posted to <code>/webhooks/{kind}</code> appear here as they are stored.</p>
  <p id="none-match" class="muted" hidden>No session matches these filters.</p>
  <p class="more-bar"><button type="button" id="more" hidden>Show more sessions</button></p>
</section>
<section id="detail" class="card" aria-labelledby="detail-title" hidden>
  <div class="detail-head"><h2 id="detail-title">Session <code id="d-id"></code></h2></div>
  <p id="d-error" class="error-box" role="alert" hidden></p>
  <dl id="d-summary" class="summary"></dl>
  <h3 id="diagram-title">State diagram</h3>
  <p class="legend"><span><span class="key"></span>not reached</span><span><span class="key reached"></span>reached</span><span><span class="key current"></span>current</span><span>Hover a state or an arrow for its description and events.</span></p>
  <div class="diagrams" aria-describedby="diagram-title">
${figures}
  </div>
  <ul id="d-states" aria-label="Current states"></ul>
  <div class="columns">
    <div>
      <h3>Delivery timeline <span id="timeline-count" class="muted"></span></h3>
      <ol id="timeline" class="timeline" aria-label="Deliveries, latest first"></ol>
    </div>
    <div>
      <h3>Fetchable now</h3>
      <div id="d-modules"></div>
    </div>
  </div>
</section>
</main>
<script type="module">${CLIENT_SCRIPT}</script>
</body>
</html>
`;
  return cached;
}
