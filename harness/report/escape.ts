/**
 * Escaping for the report's three outputs: HTML text and attributes, JSON inside a
 * `<script type="application/json">` block, Markdown table cells and CSV fields. Every string that
 * comes from a results file (service names, descriptions, claim texts, failure messages) passes
 * through one of these. Pure.
 */

const HTML_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => HTML_ENTITIES[character]!);
}

/**
 * JSON for a `<script type="application/json">` block: `<`, `>` and `&` become \u003c, \u003e,
 * \u0026 (so neither `</script>` nor `<!--` can appear), and U+2028/U+2029 are escaped too.
 * `JSON.parse(element.textContent)` gives the value back unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * A JavaScript bundle made safe to inline in a classic `<script>`: `</script` becomes `<\/script`
 * (the same in string, template and regular-expression literals) and the source-map comment is
 * dropped (nothing to fetch from a file:// page).
 * @throws Error when the source contains `<!--`, which would change how the HTML parser ends the script.
 */
export function inlineScript(source: string, name: string): string {
  if (source.includes('<!--')) throw new Error(`Cannot inline ${name}: it contains \`<!--\`, which would break the page's <script> element. Use a different build of ${name}.`);
  return source.replace(/<\/script/gi, '<\\/script').replace(/\n?\/\/# sourceMappingURL=\S*\s*$/, '\n');
}

/**
 * Text for a GitHub Markdown table cell: HTML-escaped (GitHub renders inline HTML), `|` escaped,
 * line breaks folded into spaces.
 */
export function escapeMarkdownCell(text: string): string {
  return escapeHtml(text).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/**
 * A Markdown code span (usable in a table cell): code spans show text literally, so no HTML
 * escaping; backticks become `'` (they would end the span) and `|` is escaped for tables.
 */
export function markdownCode(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')}\``;
}

/** Text for Markdown prose (outside tables): HTML-escaped, and Markdown emphasis/link characters escaped. */
export function escapeMarkdown(text: string): string {
  return escapeHtml(text).replace(/([\\`*_[\]|])/g, '\\$1').replace(/\r?\n/g, ' ');
}

/**
 * One CSV field (RFC 4180): quoted when it contains a comma, quote or line break. Text starting
 * with `=`, `+`, `-` or `@` gets a leading `'` so a spreadsheet does not run it as a formula
 * (numbers are passed as numbers and never altered).
 */
export function csvField(value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
