// Runs the conformance vectors against a running service: node services/vectors/check.mjs http://127.0.0.1:PORT [workload...]
// (needs `npm run build` first; the logic lives in harness/verify/check-cli.ts)
await import('../../dist/harness/verify/check-cli.js');
