"""``GET /alloc``: allocation and GC pressure (services/CONTRACT.md, /alloc).

Each request builds a fresh tree of ``nodes`` objects from a 64-bit LCG, walks it depth-first with
an explicit stack, hashes the visited values with FNV-1a 32, and then replaces 100 entries of the
worker's live heap, a list of ``LIVE_HEAP_OBJECTS`` small objects built at startup, so that old
objects keep becoming garbage. Each uvicorn worker process has its own live heap; requests run on
the worker's event loop, one at a time, so it needs no lock.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from app.params import int_param

MASK32 = 0xFFFFFFFF
MASK64 = 0xFFFFFFFFFFFFFFFF
LCG_MULTIPLIER = 6364136223846793005
LCG_INCREMENT = 1442695040888963407
FNV32_OFFSET = 0x811C9DC5
FNV32_PRIME = 0x01000193
REPLACED_PER_REQUEST = 100

router = APIRouter()


class Lcg:
    """The contract's PRNG: 64-bit LCG state, each draw is the high 32 bits of the new state."""

    __slots__ = ("state",)

    def __init__(self, seed: int) -> None:
        self.state = seed

    def next(self) -> int:
        self.state = (self.state * LCG_MULTIPLIER + LCG_INCREMENT) & MASK64
        return self.state >> 32


class Node:
    """One tree node: its own heap object with its own children list."""

    __slots__ = ("value", "children")

    def __init__(self, value: int) -> None:
        self.value = value
        self.children: list[Node] = []


class Entry:
    """One live-heap entry: a value and its own list of 4 u32 (a second allocation)."""

    __slots__ = ("value", "words")

    def __init__(self, value: int, words: list[int]) -> None:
        self.value = value
        self.words = words


def build_live_heap(size: int) -> list[Entry]:
    """Entry ``j`` holds ``j`` and ``[j, j+1, j+2, j+3]`` (mod 2^32)."""
    return [Entry(j, [j, (j + 1) & MASK32, (j + 2) & MASK32, (j + 3) & MASK32]) for j in range(size)]


def build_tree(nodes: int, rng: Lcg) -> Node:
    """Node ``i`` gets ``value = next()``, then (for ``i > 0``) parent ``next() mod i``."""
    all_nodes: list[Node] = []
    for i in range(nodes):
        node = Node(rng.next())
        if i > 0:
            all_nodes[rng.next() % i].children.append(node)
        all_nodes.append(node)
    return all_nodes[0]


def tree_checksum(root: Node) -> int:
    """FNV-1a 32 over each node's value (4 little-endian bytes), depth-first pre-order."""
    checksum = FNV32_OFFSET
    stack = [root]
    while stack:
        node = stack.pop()
        for byte in node.value.to_bytes(4, "little"):
            checksum = ((checksum ^ byte) * FNV32_PRIME) & MASK32
        # Reversed, so that the first appended child is popped (visited) first.
        stack.extend(reversed(node.children))
    return checksum


def churn_live_heap(live_heap: list[Entry], rng: Lcg) -> None:
    """Replace entries of the live heap with new objects; the old ones become garbage."""
    if not live_heap:
        return
    for _ in range(REPLACED_PER_REQUEST):
        index = rng.next() % len(live_heap)
        value = rng.next()
        live_heap[index] = Entry(value, [value, value, value, value])


class AllocResponse(BaseModel):
    nodes: int
    seed: int
    checksum: str


@router.get("/alloc")
async def alloc(request: Request) -> AllocResponse:
    params = request.query_params
    nodes = int_param(params, "nodes", max_digits=6, low=1, high=200_000, default=20_000)
    seed = int_param(params, "seed", max_digits=10, low=0, high=MASK32, default=1)

    rng = Lcg(seed)
    checksum = tree_checksum(build_tree(nodes, rng))
    churn_live_heap(request.state.live_heap, rng)
    return AllocResponse(nodes=nodes, seed=seed, checksum=f"{checksum:08x}")
