"""``POST /process``: the CPU-bound workload (services/CONTRACT.md, /process).

Records are grouped by category (count, sum, min/max latency, distinct users, nearest-rank
latency percentiles), and an FNV-1a 64 checksum is taken over one text line per record, then
re-hashed ``hash_rounds`` times. The work is pure Python on purpose: it is the interpreter-bound
hot path the benchmark measures. It runs in an ``async def`` handler, on the event loop: a
threadpool would not make CPU-bound Python faster under the GIL.

With ``PROCESS_BACKEND=rust`` (the python-rust service) the same route hands the raw body to the
``rb_process`` extension instead, which parses, validates and answers with the exact response
bytes, and releases the GIL while it works; the call runs in the threadpool so the event loop keeps
serving other requests meanwhile. The 413 check stays in the Python middleware.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from app.errors import parse_json_body

FNV64_OFFSET = 0xCBF29CE484222325
FNV64_PRIME = 0x100000001B3
MASK64 = 0xFFFFFFFFFFFFFFFF

Token = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,32}$")]


class Record(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    id: Annotated[int, Field(ge=0, le=999_999_999)]
    user: Token
    category: Token
    amount_cents: Annotated[int, Field(ge=0, le=1_000_000_000)]
    latency_us: Annotated[int, Field(ge=0, le=1_000_000_000)]


class ProcessRequest(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    hash_rounds: Annotated[int, Field(ge=0, le=100_000)]
    percentiles: Annotated[list[Annotated[int, Field(ge=1, le=100)]], Field(min_length=1, max_length=10)]
    records: Annotated[list[Record], Field(min_length=1, max_length=10_000)]


class PercentileValue(BaseModel):
    p: int
    latency_us: int


class GroupSummary(BaseModel):
    category: str
    count: int
    sum_amount_cents: int
    min_latency_us: int
    max_latency_us: int
    distinct_users: int
    percentiles: list[PercentileValue]


class ProcessResponse(BaseModel):
    count: int
    groups: list[GroupSummary]
    checksum: str


def fnv1a64(data: bytes, checksum: int = FNV64_OFFSET) -> int:
    for byte in data:
        checksum = ((checksum ^ byte) * FNV64_PRIME) & MASK64
    return checksum


class _Group:
    """Running totals of one category."""

    __slots__ = ("amount_cents", "latencies", "users")

    def __init__(self) -> None:
        self.amount_cents = 0
        self.latencies: list[int] = []
        self.users: set[str] = set()


def summarize(request: ProcessRequest) -> ProcessResponse:
    groups: dict[str, _Group] = {}
    lines: list[str] = []
    for record in request.records:
        lines.append(f"{record.id}|{record.user}|{record.category}|{record.amount_cents}|{record.latency_us}\n")
        group = groups.get(record.category)
        if group is None:
            group = groups[record.category] = _Group()
        group.amount_cents += record.amount_cents
        group.latencies.append(record.latency_us)
        group.users.add(record.user)

    checksum = fnv1a64("".join(lines).encode("ascii"))
    for _ in range(request.hash_rounds):
        checksum = fnv1a64(checksum.to_bytes(8, "little"))

    summaries = []
    for category in sorted(groups):  # ASCII-only names: str order is byte order
        group = groups[category]
        latencies = sorted(group.latencies)
        n = len(latencies)
        summaries.append(
            GroupSummary(
                category=category,
                count=n,
                sum_amount_cents=group.amount_cents,
                min_latency_us=latencies[0],
                max_latency_us=latencies[-1],
                distinct_users=len(group.users),
                # Nearest rank, no interpolation: sorted[ceil(p*n/100) - 1].
                percentiles=[
                    PercentileValue(p=p, latency_us=latencies[(p * n + 99) // 100 - 1]) for p in request.percentiles
                ],
            )
        )
    return ProcessResponse(count=len(request.records), groups=summaries, checksum=f"{checksum:016x}")


async def process_request_body(request: Request) -> ProcessRequest:
    return parse_json_body(ProcessRequest, await request.body())


async def process_python(payload: Annotated[ProcessRequest, Depends(process_request_body)]) -> ProcessResponse:
    return summarize(payload)


def _rust_endpoint():
    import rb_process  # built from services/python-rust/ext; only the python-rust service has it

    async def process_rust(request: Request) -> Response:
        status_code, content = await run_in_threadpool(rb_process.process, await request.body())
        return Response(content=content, status_code=status_code, media_type="application/json")

    return process_rust


def make_router(backend: str) -> APIRouter:
    """The /process route for ``PROCESS_BACKEND`` (``python`` or ``rust``)."""
    router = APIRouter()
    endpoint = _rust_endpoint() if backend == "rust" else process_python
    router.add_api_route("/process", endpoint, methods=["POST"])
    return router
