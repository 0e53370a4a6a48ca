// The neutral upstream of the /gateway workload (services/CONTRACT.md): every service under test
// calls this same process, so the fan-out work it waits on is identical for every language.
// GET /echo?key=K&i=I answers {"key":K,"i":I,"v":FNV-1a-32("K|I")} after DELAY_MS milliseconds.
// Plain node:http with no dependencies: it must start in milliseconds and never be the bottleneck.
import http from 'node:http';

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT);
const delayMs = Number(process.env.DELAY_MS ?? '20');
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error(`upstream: expected PORT to be a TCP port, got ${JSON.stringify(process.env.PORT)}`);
  process.exit(2);
}
if (!Number.isInteger(delayMs) || delayMs < 0) {
  console.error(`upstream: expected DELAY_MS to be a non-negative integer, got ${JSON.stringify(process.env.DELAY_MS)}`);
  process.exit(2);
}

/** FNV-1a 32 over the ASCII bytes of `text`. */
function fnv1a32(text) {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

const KEY = /^[A-Za-z0-9_-]{1,32}$/;
const INDEX = /^[0-9]{1,2}$/;
let served = 0;

function send(response, status, body) {
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

const server = http.createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://upstream');
  if (url.pathname === '/health') return send(response, 200, '{"status":"ok"}');
  if (url.pathname === '/stats') return send(response, 200, JSON.stringify({ served }));
  if (url.pathname !== '/echo') return send(response, 404, '{"error":"not_found"}');
  const key = url.searchParams.get('key') ?? '';
  const index = url.searchParams.get('i') ?? '';
  if (!KEY.test(key) || !INDEX.test(index)) return send(response, 400, '{"error":"invalid_query"}');
  const body = `{"key":"${key}","i":${Number(index)},"v":${fnv1a32(`${key}|${Number(index)}`)}}`;
  served += 1;
  if (delayMs === 0) return send(response, 200, body);
  setTimeout(() => send(response, 200, body), delayMs);
});
server.keepAliveTimeout = 65_000;
server.listen(port, host);

function stop() {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 10_000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
