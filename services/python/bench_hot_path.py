"""The /process hot path measured in-process, for claim (d) of the seed: "Rust via PyO3 for the
hot loops ... 100x faster than pure Python". The same request (1,000 records, 1,000 hash rounds,
as the load sends) is handed to:

  python  the pure-Python hot loop, ``summarize()``, on the already parsed and validated request
          (parsing, validation and JSON output are left out: they are not the loop)
  rust    the PyO3 function ``rb_process.process()`` on the raw body: parse, validate, compute and
          serialise, all in Rust (so this side does more than the Python one)

Timed with the standard library's ``timeit`` (autorange for the number of calls per run, one
discarded warm-up run, then RUNS runs), run by rewrite-bench pinned to the service's CPU. Prints
``{"metrics": {"hotLoopUs": [...]}}``: microseconds per call, one value per run.

The endpoint figure (process-pyo3, HTTP and FastAPI included) is smaller: Amdahl's law — what
stays in Python (request parsing, routing, response) does not get faster.
"""

import json
import os
import random
import sys
import timeit

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__))))

RUNS = int(os.environ.get("RUNS", "7"))


def make_body(seed: int = 20261201) -> bytes:
    rng = random.Random(seed)
    records = [
        {"id": index, "user": f"u{rng.randrange(200)}", "category": f"c{rng.randrange(16):02d}", "amount_cents": rng.randrange(100_000), "latency_us": rng.randrange(1_000_000)}
        for index in range(1000)
    ]
    return json.dumps({"hash_rounds": 1000, "percentiles": [50, 90, 99], "records": records}).encode()


def main() -> None:
    backend = sys.argv[1] if len(sys.argv) > 1 else ""
    body = make_body()
    if backend == "python":
        from app.process import ProcessRequest, summarize

        request = ProcessRequest.model_validate_json(body)
        call = lambda: summarize(request)  # noqa: E731
    elif backend == "rust":
        import rb_process

        status, _ = rb_process.process(body)
        if status != 200:
            raise SystemExit(f"rb_process.process answered {status} to the benchmark request")
        call = lambda: rb_process.process(body)  # noqa: E731
    else:
        raise SystemExit(f"usage: bench_hot_path.py python|rust (got {backend!r})")
    timer = timeit.Timer(call)
    number, _ = timer.autorange()
    timer.repeat(repeat=1, number=number)  # warm-up, discarded
    runs = timer.repeat(repeat=RUNS, number=number)
    print(json.dumps({"metrics": {"hotLoopUs": [seconds / number * 1e6 for seconds in runs]}, "callsPerRun": number}))


if __name__ == "__main__":
    main()
