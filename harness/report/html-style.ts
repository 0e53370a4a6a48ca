/**
 * The report page's stylesheet: readable tables (tabular numbers, intervals under values),
 * verdict and validity badges, print-friendly. Pure (a constant).
 */
export const REPORT_CSS = `
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa; --accent: #0969da; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: #fff; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", sans-serif; }
.page { max-width: 1200px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 21px; margin: 40px 0 8px; padding-bottom: 6px; border-bottom: 2px solid var(--line); }
h3 { font-size: 16px; margin: 22px 0 8px; }
h4 { font-size: 14px; margin: 0; }
a { color: var(--accent); }
code, pre { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.muted, .detail { color: var(--muted); }
.page-header .summary { font-size: 15px; margin: 4px 0; }
.page-header ul.sources { margin: 4px 0 8px; padding-left: 18px; }
.banner { background: #fff8c5; border: 1px solid #d4a72c; padding: 8px 12px; border-radius: 6px; }
.warning-text { color: #9a6700; }
nav.toc { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 10px 16px; margin: 16px 0; }
nav.toc ol { margin: 4px 0 0; padding-left: 20px; columns: 3; }
.description { max-width: 900px; }
.table-wrap { overflow-x: auto; margin: 8px 0 12px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--line); padding: 5px 9px; vertical-align: top; text-align: left; }
thead th { background: var(--soft); }
td.num, th.num { text-align: right; }
table.headline { min-width: 60%; }
table.headline th[scope="row"] { font-weight: 500; white-space: nowrap; background: #fcfcfd; }
table.headline th.service { text-align: right; font-size: 15px; min-width: 110px; }
table.headline th.service .source { font-size: 11px; font-weight: normal; color: var(--muted); }
table.headline td .value { font-weight: 600; white-space: nowrap; }
table.headline td .detail { font-size: 11px; }
.table-legend { font-size: 12.5px; color: var(--muted); margin: 8px 0 0; }
.table-note { font-size: 12.5px; color: #7d4e00; background: #fff8e5; border-left: 3px solid #d4a72c; padding: 4px 10px; margin: 8px 0 0; }
table.headline tr.load-row td { font-size: 12px; color: var(--muted); text-align: right; }
table.headline tr.validity-row td { text-align: right; font-size: 12px; }
table.headline tr.group th { background: #eef1f4; font-size: 12px; text-transform: none; font-weight: 600; }
table.headline tr.group .method { font-weight: normal; color: var(--muted); }
ul.reasons { margin: 4px 0 0; padding: 0; list-style: none; text-align: left; font-size: 11px; color: #b42318; max-width: 230px; white-space: normal; }
.is-invalid .invalid-value { color: #b42318; font-style: italic; }
.is-missing .value { color: var(--muted); }
th.is-invalid { color: #b42318; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 11.5px; font-weight: 600; line-height: 18px; border: 1px solid transparent; white-space: nowrap; vertical-align: middle; }
.badge.valid { background: #dafbe1; color: #116329; }
.badge.invalid { background: #ffebe9; color: #b42318; border-color: #ffcecb; }
.badge.partial { background: #fff8c5; color: #7d4e00; }
.badge.load-closed { background: #ddf4ff; color: #0550ae; }
.badge.load-open { background: #fbefff; color: #6e40c9; }
.badge.verdict { text-transform: uppercase; letter-spacing: 0.03em; }
.verdict-holds { background: #1a7f37; color: #fff; }
.verdict-refuted { background: #cf222e; color: #fff; }
.verdict-inconclusive { background: #fff1c2; color: #7d4e00; border-color: #d4a72c; }
.verdict-not-measured { background: #eaeef2; color: #424a53; border-color: #d1d9e0; }
.claim { border: 1px solid var(--line); border-left-width: 5px; border-radius: 6px; padding: 10px 14px; margin: 12px 0; }
.claim-holds { border-left-color: #1a7f37; }
.claim-refuted { border-left-color: #cf222e; }
.claim-inconclusive { border-left-color: #d4a72c; }
.claim-not-measured { border-left-color: #8c959f; }
.claim header { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.claim-id { font-weight: 700; font-size: 15px; }
.claim-where, .claim-source { color: var(--muted); font-size: 12.5px; }
.claim-text { margin: 8px 0; padding: 2px 12px; border-left: 3px solid var(--line); color: #333; font-style: italic; }
table.checks { font-size: 12.5px; width: 100%; }
table.checks td.note { color: var(--muted); }
table.capacity { font-size: 13px; }
.assumption { font-size: 12.5px; color: var(--muted); max-width: 980px; }
.charts { display: flex; flex-direction: column; gap: 18px; margin-top: 12px; }
figure.chart { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; overflow-x: auto; }
figure.chart figcaption p { margin: 2px 0 6px; color: var(--muted); font-size: 12.5px; max-width: 980px; }
.vega-chart { min-height: 40px; }
div.warnings { font-size: 12px; color: var(--muted); margin-bottom: 8px; }
div.warnings ol { margin: 2px 0 0 18px; padding: 0; }
.at-floor { color: #6e7781; font-size: 11px; font-style: italic; }
th.service.floor { color: #6e7781; }
a.warning-mark { color: #b54708; font-size: 11px; text-decoration: none; }
td.is-bound .value { color: #475467; font-style: italic; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 8px 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
ul.versions { margin: 0; padding: 0; list-style: none; }
pre.command { background: #0d1117; color: #e6edf3; padding: 10px 14px; border-radius: 6px; overflow-x: auto; }
pre.failure { white-space: pre-wrap; margin: 4px 0; background: var(--soft); padding: 6px 8px; border-radius: 4px; }
table.services td { font-size: 13px; }
footer { margin-top: 40px; border-top: 1px solid var(--line); padding-top: 8px; }
@media print { .vega-embed details, nav.toc { display: none; } figure.chart, .claim, table { break-inside: avoid; } .page { max-width: none; } }
`;
