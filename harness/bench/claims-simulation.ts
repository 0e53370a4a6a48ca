/**
 * `npm run bench:claims` — how the claims' sequential plan decides, by seeded simulation through
 * the real evaluate path (claims-model.ts): for per-run coefficients of variation of 5 %, 20 % and
 * 50 %, and true ratios of θ (exactly the threshold), 1.5θ and 3θ, the share of claims decided by
 * 5, 10 and 15 rounds, the verdicts, and the wrong-verdict rate (at θ both verdicts are wrong, each
 * at most 2.5 % by construction; above θ a refutation is). The default plan: the scenario's own 3
 * repetitions, then a look after every round up to 15. No machine is measured: the figures depend
 * only on the seed. Prints a Markdown table.
 */
import { simulateClaim, type ClaimModel } from './claims-model.js';

const TRIALS = Number(process.env.CLAIMS_BENCH_TRIALS ?? '2000');
const SEED = 2026;
const pct = (share: number): string => `${(share * 100).toFixed(1)} %`;

const rows: string[] = [];
for (const metric of ['cpuUsPerRequest', 'p99'] as const) {
  for (const cv of [0.05, 0.2, 0.5]) {
    for (const factor of [1, 1.5, 3]) {
      const model: ClaimModel = { metric, ratio: 2 * factor, threshold: 2, cv, roundSigma: 0, repetitions: 3, maxRepetitions: 15 };
      const tally = simulateClaim(model, TRIALS, SEED);
      const wrong = factor === 1 ? `${pct(tally.holds)} hold, ${pct(tally.refuted)} refuted` : pct(tally.refuted);
      rows.push(
        `| ${metric === 'p99' ? 'sign (p99)' : 'signed-rank (CPU per request)'} | ${Math.round(cv * 100)} % | ${factor === 1 ? 'θ' : `${factor}θ`} | ${pct(tally.decidedBy[4]!)} | ${pct(tally.decidedBy[9]!)} | ${pct(tally.decidedBy[14]!)} | ${pct(tally.holds)} | ${pct(tally.refuted)} | **${wrong}** | ${tally.meanRounds.toFixed(1)} |`,
      );
    }
  }
}
console.log(`### Claims decided by the sequential plan (simulated, seed ${SEED}, ${TRIALS.toLocaleString('en-US')} claims per row)

\`a / b >= θ\`, two services measured once per round, each run lognormal with the coefficient of variation shown and nothing shared by a round (shared effects cancel in the paired ratio: these are the least favourable rows). Rounds are added until the plan decides or reaches its last look (the scenario's 3 repetitions, then a look after every round up to 15); decided by n = share of claims decided (either way) within n rounds.

| test | per-run CV | true ratio | decided by 5 | by 10 | by 15 | holds | refuted | wrong verdicts | mean rounds |
|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}`);
