/**
 * The one-line edit that provokes an incremental build the way a developer does: a comment
 * appended to the manifest's `incremental` file (and removed after the build). Touching the file
 * is not enough everywhere: Go's build cache is keyed by content, so a touched file rebuilds
 * nothing and "incremental build" would time a cache lookup. Pure.
 */

const COMMENT_BY_EXTENSION: Readonly<Record<string, string>> = {
  ...Object.fromEntries(['go', 'rs', 'zig', 'c', 'h', 'cc', 'cpp', 'hpp', 'java', 'kt', 'kts', 'scala', 'swift', 'js', 'mjs', 'cjs', 'ts', 'mts', 'cs', 'dart', 'v', 'odin'].map((extension) => [extension, '//'])),
  ...Object.fromEntries(['py', 'rb', 'sh', 'pl', 'r', 'ex', 'exs', 'nim', 'cr', 'jl', 'toml', 'yaml', 'yml'].map((extension) => [extension, '#'])),
  ...Object.fromEntries(['hs', 'lua', 'sql', 'elm', 'ada', 'adb'].map((extension) => [extension, '--'])),
};

/** The text appended to `file` (its own line), or undefined when its comment syntax is unknown. */
export function editMarkerFor(file: string): string | undefined {
  const extension = /\.([A-Za-z0-9]+)$/.exec(file)?.[1]?.toLowerCase();
  const comment = extension === undefined ? undefined : COMMENT_BY_EXTENSION[extension];
  return comment === undefined ? undefined : `${comment} rewrite-bench: a one-line edit to time an incremental build (removed after it)\n`;
}

/** `text` with the marker on a line of its own. */
export function withEditMarker(text: string, marker: string): string {
  return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${marker}`;
}
