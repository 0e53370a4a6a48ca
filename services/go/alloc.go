// GET /alloc (CONTRACT.md §3): GC pressure. Each request builds a fresh tree of *Node from a
// 64-bit LCG, walks it depth-first with an explicit stack, hashes the values with FNV-1a-32, and
// replaces 100 entries of the process-wide live heap built at start.
package main

import (
	"encoding/binary"
	"fmt"
	"net/http"
	"sync"
)

// Node is one tree node, its own heap object with its own children slice.
type Node struct {
	Value    uint32
	Children []*Node
}

// Entry is one live-heap entry: a heap object holding a value and a second allocation.
type Entry struct {
	Value   uint32
	Payload []uint32
}

// liveHeap is the long-lived pointer-rich data that every GC cycle has to trace.
type liveHeap struct {
	mu      sync.Mutex
	entries []*Entry
}

func newLiveHeap(n int) *liveHeap {
	entries := make([]*Entry, n)
	for j := range entries {
		v := uint32(j)
		entries[j] = &Entry{Value: v, Payload: []uint32{v, v + 1, v + 2, v + 3}}
	}
	return &liveHeap{entries: entries}
}

const liveHeapReplacements = 100

// replace swaps 100 entries for new ones drawn from rng; the old ones become garbage.
func (h *liveHeap) replace(rng *lcg) {
	n := uint64(len(h.entries))
	if n == 0 {
		return
	}
	var slots [liveHeapReplacements]uint64
	var fresh [liveHeapReplacements]*Entry
	for i := range slots {
		slots[i] = uint64(rng.next()) % n
		v := rng.next()
		fresh[i] = &Entry{Value: v, Payload: []uint32{v, v, v, v}}
	}
	h.mu.Lock()
	for i, k := range slots {
		h.entries[k] = fresh[i]
	}
	h.mu.Unlock()
}

// lcg is the contract's 64-bit linear congruential generator.
type lcg struct{ state uint64 }

func (g *lcg) next() uint32 {
	g.state = g.state*6364136223846793005 + 1442695040888963407
	return uint32(g.state >> 32)
}

type allocResponse struct {
	Nodes    uint64 `json:"nodes"`
	Seed     uint64 `json:"seed"`
	Checksum string `json:"checksum"`
}

func (a *app) handleAlloc(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r.URL.RawQuery)
	nodes, ok1 := q.uint("nodes", 6, 1, 200_000, 20_000)
	seed, ok2 := q.uint("seed", 10, 0, 1<<32-1, 1)
	if !ok1 || !ok2 {
		writeError(w, http.StatusBadRequest, "invalid_query")
		return
	}
	rng := &lcg{state: seed}
	checksum := hashTree(buildTree(int(nodes), rng))
	a.heap.replace(rng)
	writeJSON(w, http.StatusOK, allocResponse{Nodes: nodes, Seed: seed, Checksum: fmt.Sprintf("%08x", checksum)})
}

// buildTree makes n nodes; node i > 0 is appended to the children of a random earlier node.
func buildTree(n int, rng *lcg) *Node {
	nodes := make([]*Node, n)
	for i := range nodes {
		node := &Node{Value: rng.next()}
		nodes[i] = node
		if i > 0 {
			parent := nodes[rng.next()%uint32(i)]
			parent.Children = append(parent.Children, node)
		}
	}
	return nodes[0]
}

// hashTree walks the tree depth-first, pre-order, children in order, and returns FNV-1a-32
// over each visited value as 4 little-endian bytes.
func hashTree(root *Node) uint32 {
	h := uint32(0x811c9dc5)
	var le [4]byte
	stack := []*Node{root}
	for len(stack) > 0 {
		node := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		binary.LittleEndian.PutUint32(le[:], node.Value)
		for _, c := range le {
			h ^= uint32(c)
			h *= 0x01000193
		}
		for i := len(node.Children) - 1; i >= 0; i-- { // first child on top
			stack = append(stack, node.Children[i])
		}
	}
	return h
}
