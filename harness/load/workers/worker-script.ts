/**
 * The command every load worker runs: `/bin/sh -c WORKER_SCRIPT`, the same in a Kubernetes pod
 * (a stock image, the bundle mounted from a ConfigMap) and on this machine (the tests and
 * `bench:workers` run it as W local processes). It unpacks the engine from the bundle, proves the
 * engine runs in this image, says hello, answers the harness's clock pings on stdin, and on the
 * start line appends its worker index and the start instant to the job and becomes the engine
 * (`exec`), whose JSON lines follow on stdout. Plain POSIX sh plus gzip and `date +%s%6N`, so a
 * stock image does. Pure (text and the bundle's bytes).
 *
 * Lines it writes (one JSON object each) before the engine's own:
 * `{"type":"hello","index":I,"workers":W,"workerUs":T}`, `{"type":"pong","index":I,"sentUs":T0,"workerUs":T1}`,
 * `{"type":"starting","startAtEpochMs":S,"workerUs":T}`, or `{"type":"failed","message":M}` and a
 * non-zero exit (2: bad environment or input; 3: the engine cannot run here).
 * Lines it reads: `ping T0` (harness µs since the epoch), then `start S` (epoch ms). The hello may
 * be written before anyone listens (a pod's output before the harness attached goes only to its
 * log): the first pong is what tells the harness the worker is ready.
 */
import { gzipSync } from 'node:zlib';

/** Environment the script reads. */
export const WORKER_ENV = {
  /** Set by Kubernetes on the pods of an Indexed Job: this worker's index, 0 … W−1. */
  index: 'JOB_COMPLETION_INDEX',
  /** W, the number of workers. */
  workers: 'REWRITE_BENCH_WORKERS',
  /** The folder holding `engine.gz` and `job.json.gz` (the ConfigMap's mount). */
  bundle: 'REWRITE_BENCH_BUNDLE',
  /** A writable folder for the unpacked engine and the job (an emptyDir). */
  scratch: 'REWRITE_BENCH_SCRATCH',
} as const;

/** Where the pods mount the bundle and the scratch folder. */
export const POD_BUNDLE_DIR = '/etc/rewrite-bench';
export const POD_SCRATCH_DIR = '/scratch';

/** The bundle's file names; each travels in parts `<name>.00`, `<name>.01`, … (ConfigMap keys). */
export const BUNDLE_ENGINE = 'engine.gz';
export const BUNDLE_JOB = 'job.json.gz';

// Values that failed a check are never echoed into the JSON (they could hold a quote).
export const WORKER_SCRIPT = `set -u
fail() { printf '{"type":"failed","message":"%s"}\\n' "$1"; exit "\${2:-2}"; }
now() { date +%s%6N; }
bundle="\${${WORKER_ENV.bundle}:-${POD_BUNDLE_DIR}}"
scratch="\${${WORKER_ENV.scratch}:-${POD_SCRATCH_DIR}}"
index="\${${WORKER_ENV.index}:-}"
workers="\${${WORKER_ENV.workers}:-}"
case "$index" in ''|*[!0-9]*) fail "${WORKER_ENV.index} is not set to a worker index";; esac
case "$workers" in ''|*[!0-9]*) fail "${WORKER_ENV.workers} is not set to a number";; esac
[ "$index" -lt "$workers" ] || fail "${WORKER_ENV.index} is not below ${WORKER_ENV.workers}"
engine="$scratch/rewrite-bench-engine-$index"
job="$scratch/job-$index.json"
cat "$bundle/${BUNDLE_ENGINE}".* | gzip -dc > "$engine" || fail "cannot unpack the engine from the bundle's ${BUNDLE_ENGINE}.* parts (are the ConfigMaps mounted, the scratch folder writable?)" 3
chmod 700 "$engine" || fail "cannot make the unpacked engine executable" 3
"$engine" < /dev/null > /dev/null 2> "$engine.probe"
code=$?
[ "$code" -eq 2 ] || fail "the engine does not run in this image (exit $code; an empty job should be refused with exit 2): $(head -c 240 "$engine.probe" | tr -d '\\\\"' | tr '\\n\\t' '  ')" 3
t=$(now)
case "$t" in ''|*[!0-9]*) fail "date +%s%6N does not print microseconds in this image: use an image with GNU date" 3;; esac
printf '{"type":"hello","index":%s,"workers":%s,"workerUs":%s}\\n' "$index" "$workers" "$t"
start=""
while IFS= read -r line; do
  case "$line" in
    "ping "*) sent="\${line#ping }"
      case "$sent" in ''|*[!0-9]*) fail "a ping without a timestamp";; esac
      printf '{"type":"pong","index":%s,"sentUs":%s,"workerUs":%s}\\n' "$index" "$sent" "$(now)";;
    "start "*) start="\${line#start }"
      case "$start" in ''|*[!0-9]*) fail "a start line without an instant";; esac
      break;;
    *) fail "an unexpected line on stdin (expected ping or start)";;
  esac
done
[ -n "$start" ] || fail "stdin closed before the start line: the harness went away"
{ cat "$bundle/${BUNDLE_JOB}".* | gzip -dc && printf ',"worker":{"index":%s,"count":%s},"startAtEpochMs":%s}' "$index" "$workers" "$start"; } > "$job" || fail "cannot write the job to the scratch folder" 3
printf '{"type":"starting","startAtEpochMs":%s,"workerUs":%s}\\n' "$start" "$(now)"
exec "$engine" < "$job"
`;

/**
 * The bundle's job: the engine's job JSON (nativeJobText) without its closing brace, gzipped;
 * each worker appends `,"worker":{…},"startAtEpochMs":S}`.
 * @throws Error when the text is not a JSON object (a bug: nativeJobText always writes one)
 */
export function bundleJob(jobText: string): Buffer {
  if (!jobText.startsWith('{') || !jobText.endsWith('}') || jobText === '{}') throw new Error('The worker job must be a non-empty JSON object.');
  return gzipSync(Buffer.from(jobText.slice(0, -1)), { level: 9 });
}

/** The bundle's engine: the binary gzipped. */
export function bundleEngine(binary: Buffer): Buffer {
  return gzipSync(binary, { level: 9 });
}

/** Most bytes of one part of a bundle file (a ConfigMap holds at most 1 MiB: 1,048,576 bytes). */
export const BUNDLE_PART_BYTES = 1_000_000;

/**
 * The bundle's files cut into parts of at most `partBytes` (`engine.gz.00`, `engine.gz.01`, …,
 * read back in name order by `cat name.*`), packed first-fit into groups of at most `groupBytes`
 * each: one group per ConfigMap (Kubernetes refuses one over 1 MiB; a stripped engine with TLS
 * gzips to about that), all mounted into one folder by a projected volume.
 * @throws Error beyond 100 parts of a file (the two-digit names)
 */
export function packBundle(files: ReadonlyArray<{ readonly name: string; readonly bytes: Buffer }>, partBytes = BUNDLE_PART_BYTES, groupBytes = 1024 * 1024): Array<Record<string, Buffer>> {
  const groups: Array<{ parts: Record<string, Buffer>; bytes: number }> = [];
  for (const file of files) {
    const count = Math.max(1, Math.ceil(file.bytes.length / partBytes));
    if (count > 100) throw new Error(`${file.name} needs ${count} parts of ${partBytes} bytes; at most 100 are named.`);
    for (let part = 0; part < count; part += 1) {
      const bytes = file.bytes.subarray(part * partBytes, (part + 1) * partBytes);
      const key = `${file.name}.${String(part).padStart(2, '0')}`;
      let group = groups.find((candidate) => candidate.bytes + bytes.length <= groupBytes);
      if (group === undefined) {
        group = { parts: {}, bytes: 0 };
        groups.push(group);
      }
      group.parts[key] = bytes;
      group.bytes += bytes.length;
    }
  }
  return groups.map((group) => group.parts);
}
