#!/usr/bin/env node
/**
 * The command line: argv → one subcommand → exit code. The only place that exits the process.
 * Exit codes (API): 0 pass · 1 regression, refuted claim or non-conforming service ·
 * 2 bad configuration or usage · 3 infrastructure failure · 130 interrupted.
 */
import { parseArgs } from 'node:util';
import { buildOptions, runBuildCommand } from './commands/build.js';
import type { OptionSpec } from './commands/common.js';
import { compareCommandHelp, compareOptions, runCompareCommand } from './commands/compare.js';
import { gateCommandHelp, gateOptions, runGateCommand } from './commands/gate.js';
import { initOptions, runInitCommand } from './commands/init.js';
import { reportCommandHelp, reportOptions, runReportCommand } from './commands/report.js';
import { runRunCommand, runOptions } from './commands/run.js';
import { runVerifyCommand, verifyOptions } from './commands/verify.js';
import { ConfigError, EXIT_CODES, HarnessError } from './errors.js';
import { runInterruptHooks, stopAll } from './process/registry.js';
import { toolVersion } from './version.js';

interface Command {
  readonly summary: string;
  readonly usage: string;
  readonly details: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly allowPositionals: boolean;
  run(values: Record<string, unknown>, positionals: string[]): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  init: {
    summary: 'Write a starter project here: rewrite-bench.yaml, a scenario, claims, and a legacy service with its rewrite.',
    usage: 'rewrite-bench init [DIR]',
    details:
      'Writes a commented starter that runs as is (`rewrite-bench run` right after): the project file, scenarios/quote.yaml (templated requests, `reference: legacy`), scenarios/claims.yaml, ' +
      'services/legacy (Python) and services/rewrite (Node). Never overwrites a file (exit 2 naming it).',
    options: initOptions,
    allowPositionals: true,
    run: (values, positionals) => runInitCommand(values, positionals),
  },
  run: {
    summary: 'Measure scenarios: latency percentiles, throughput, CPU cores and memory of each service.',
    usage: 'rewrite-bench run [SCENARIO...] [--project FILE] [--services a,b] [--services-dir DIR] [--out DIR] [--quick] [--timings] [--claims FILE] [--skip-verify]',
    details:
      'The project is the nearest rewrite-bench.yaml from the working directory upward (or --project). SCENARIO is a name from its scenarios folder or a path to a scenario .yaml; none runs the whole suite. Everything is validated before any process starts. ' +
      'Services are built if needed and checked first: against the built-in contract where they implement its workloads, and against the scenario\'s `reference:` service where it names one (a service that answers differently is not measured; exit 1). ' +
      'Each service runs pinned to its own CPUs (taskset), the load generator on the others; services are interleaved across repetitions. ' +
      'results.json is rewritten after every run. Exit 3 when a service, build or the load generator failed (what was measured is kept).',
    options: runOptions,
    allowPositionals: true,
    run: (values, positionals) => runRunCommand(values, positionals),
  },
  compare: {
    ...compareCommandHelp,
    options: compareOptions,
    allowPositionals: true,
    run: (values, positionals) => runCompareCommand(values, positionals),
  },
  report: {
    ...reportCommandHelp,
    options: reportOptions,
    allowPositionals: true,
    run: (values, positionals) => runReportCommand(values, positionals),
  },
  gate: {
    ...gateCommandHelp,
    options: gateOptions,
    allowPositionals: false,
    run: (values) => runGateCommand(values),
  },
  build: {
    summary: 'Build services; record build time, artifact size and lines of code.',
    usage: 'rewrite-bench build [--project FILE] [--services a,b] [--services-dir DIR] [--force] [--timings]',
    details:
      'Builds the native load engine, then runs each manifest build step (an argv in the service folder, never through a shell). A service whose sources are unchanged is skipped. ' +
      'A missing toolchain skips that service with an install hint; the others go on. Exit 3 when any build failed or was skipped.',
    options: buildOptions,
    allowPositionals: false,
    run: (values) => runBuildCommand(values),
  },
  verify: {
    summary: 'Check services against the built-in contract, byte for byte.',
    usage: 'rewrite-bench verify [--project FILE] [--services a,b] [--services-dir DIR] [--random N] [--seed N]',
    details:
      'For every service implementing a workload of the built-in contract (services/CONTRACT.md): starts it on 127.0.0.1 and sends the contract\'s vectors plus N seeded random requests per endpoint, comparing status, ' +
      'Content-Type and body bytes with the TypeScript reference; then checks that SIGTERM stops it with exit 0 within 10 s. Exit 1 when any service does not conform. ' +
      '(Your own services are checked against a reference service by `compare` and before `run`: a scenario\'s `reference:`.)',
    options: verifyOptions,
    allowPositionals: false,
    run: (values) => runVerifyCommand(values),
  },
};

const HELP_OPTION: OptionSpec = { type: 'boolean', short: 'h', help: 'Show this help.' };

function formatOptions(options: Readonly<Record<string, OptionSpec>>): string {
  return Object.entries({ ...options, help: HELP_OPTION })
    .map(([name, spec]) => {
      const flag = `${spec.short === undefined ? '    ' : `-${spec.short}, `}--${name}${spec.value === undefined ? '' : ` ${spec.value}`}`;
      return `  ${flag.padEnd(30)} ${spec.help}`;
    })
    .join('\n');
}

function mainHelp(): string {
  const commands = Object.entries(COMMANDS)
    .map(([name, command]) => `  ${name.padEnd(8)} ${command.summary}`)
    .join('\n');
  return `rewrite-bench: compare equivalent Python, Go and Rust services with honest latency, CPU and memory numbers.

Usage: rewrite-bench <command> [options]   (rewrite-bench <command> --help for its options)
       rewrite-bench --version                (-V: print the version)

Commands:
${commands}

Exit codes: 0 pass · 1 regression, refuted claim or non-conforming service · 2 bad configuration or usage · 3 infrastructure failure · 130 interrupted.`;
}

function commandHelp(command: Command): string {
  return `${command.summary}\n\nUsage: ${command.usage}\n\n${command.details}\n\nOptions:\n${formatOptions(command.options)}`;
}

async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(mainHelp());
    return name === undefined ? EXIT_CODES.config : EXIT_CODES.pass;
  }
  if (name === '--version' || name === '-V') {
    console.log(toolVersion());
    return EXIT_CODES.pass;
  }
  const command = COMMANDS[name];
  if (command === undefined) throw new ConfigError(`Unknown command \`${name}\`. Expected one of: ${Object.keys(COMMANDS).join(', ')}. See rewrite-bench --help.`);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: rest, options: { ...command.options, help: HELP_OPTION }, allowPositionals: command.allowPositionals, strict: true });
  } catch (cause) {
    // Node's parseArgs messages run on with advice about positionals; keep the first sentence.
    const first = ((cause as Error).message.split(/\.(?:\s|$)/)[0] ?? '').trim();
    throw new ConfigError(`${first}. See rewrite-bench ${name} --help.`, { cause });
  }
  if (parsed.values.help === true) {
    console.log(commandHelp(command));
    return EXIT_CODES.pass;
  }
  return command.run(parsed.values, parsed.positionals);
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\nrewrite-bench: ${signal} received; writing results and stopping every process it started.`);
    void runInterruptHooks()
      .then(() => stopAll())
      .finally(() => process.exit(130));
  });
}

try {
  process.exitCode = await run(process.argv.slice(2));
} catch (error) {
  if (error instanceof HarnessError) {
    console.error(`rewrite-bench: ${error.message}`);
    process.exitCode = error.exitCode;
  } else {
    console.error('rewrite-bench: internal error (please report it):', error);
    process.exitCode = EXIT_CODES.infrastructure;
  }
  await stopAll();
}
