// POST /process (CONTRACT.md §3): strict validation of a batch of records, per-category
// aggregates with nearest-rank percentiles, and an FNV-1a-64 checksum of the records followed
// by hash_rounds rounds of FNV-1a-64 over the previous hash.
package main

import (
	"encoding/binary"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
)

// processRequest is the request body. Pointer fields tell a missing or null field (nil) from a
// zero; the slices need no pointer because an empty list is as invalid as a missing one.
// The Fold* fields keep encoding/json from matching keys case-insensitively (see unknownField).
type processRequest struct {
	FoldHashRounds  unknownField `json:"HASH_ROUNDS"`
	FoldPercentiles unknownField `json:"PERCENTILES"`
	FoldRecords     unknownField `json:"RECORDS"`

	HashRounds  *int64          `json:"hash_rounds"`
	Percentiles []int64         `json:"percentiles"`
	Records     []processRecord `json:"records"`
}

type processRecord struct {
	FoldID          unknownField `json:"ID"`
	FoldUser        unknownField `json:"USER"`
	FoldCategory    unknownField `json:"CATEGORY"`
	FoldAmountCents unknownField `json:"AMOUNT_CENTS"`
	FoldLatencyUS   unknownField `json:"LATENCY_US"`

	ID          *int64  `json:"id"`
	User        *string `json:"user"`
	Category    *string `json:"category"`
	AmountCents *int64  `json:"amount_cents"`
	LatencyUS   *int64  `json:"latency_us"`
}

type processResponse struct {
	Count    int           `json:"count"`
	Groups   []groupResult `json:"groups"`
	Checksum string        `json:"checksum"`
}

type groupResult struct {
	Category       string             `json:"category"`
	Count          int                `json:"count"`
	SumAmountCents int64              `json:"sum_amount_cents"`
	MinLatencyUS   int64              `json:"min_latency_us"`
	MaxLatencyUS   int64              `json:"max_latency_us"`
	DistinctUsers  int                `json:"distinct_users"`
	Percentiles    []percentileResult `json:"percentiles"`
}

type percentileResult struct {
	P         int64 `json:"p"`
	LatencyUS int64 `json:"latency_us"`
}

func handleProcess(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	var req processRequest
	if !decodeJSON(w, body, &req) {
		return
	}
	if !req.valid() {
		writeError(w, http.StatusUnprocessableEntity, "invalid_request")
		return
	}
	writeJSON(w, http.StatusOK, process(&req))
}

func inRange(v *int64, lo, hi int64) bool { return v != nil && lo <= *v && *v <= hi }

func (req *processRequest) valid() bool {
	if !inRange(req.HashRounds, 0, 100_000) {
		return false
	}
	if len(req.Percentiles) < 1 || len(req.Percentiles) > 10 {
		return false
	}
	for _, p := range req.Percentiles {
		if p < 1 || p > 100 {
			return false
		}
	}
	if len(req.Records) < 1 || len(req.Records) > 10_000 {
		return false
	}
	for i := range req.Records {
		rec := &req.Records[i]
		if !inRange(rec.ID, 0, 999_999_999) ||
			rec.User == nil || !isToken(*rec.User, 32) ||
			rec.Category == nil || !isToken(*rec.Category, 32) ||
			!inRange(rec.AmountCents, 0, 1_000_000_000) ||
			!inRange(rec.LatencyUS, 0, 1_000_000_000) {
			return false
		}
	}
	return true
}

type groupAccumulator struct {
	sumAmountCents int64
	minLatency     int64
	maxLatency     int64
	users          map[string]struct{}
	latencies      []int64
}

// process computes the response of a validated request.
func process(req *processRequest) processResponse {
	groups := make(map[string]*groupAccumulator)
	checksum := fnv64Offset
	line := make([]byte, 0, 128)
	for i := range req.Records {
		rec := &req.Records[i]
		id, user, category := *rec.ID, *rec.User, *rec.Category
		amount, latency := *rec.AmountCents, *rec.LatencyUS

		g := groups[category]
		if g == nil {
			g = &groupAccumulator{minLatency: latency, maxLatency: latency, users: make(map[string]struct{})}
			groups[category] = g
		}
		g.sumAmountCents += amount
		g.minLatency = min(g.minLatency, latency)
		g.maxLatency = max(g.maxLatency, latency)
		g.users[user] = struct{}{}
		g.latencies = append(g.latencies, latency)

		// id|user|category|amount_cents|latency_us\n
		line = strconv.AppendInt(line[:0], id, 10)
		line = append(line, '|')
		line = append(line, user...)
		line = append(line, '|')
		line = append(line, category...)
		line = append(line, '|')
		line = strconv.AppendInt(line, amount, 10)
		line = append(line, '|')
		line = strconv.AppendInt(line, latency, 10)
		line = append(line, '\n')
		checksum = fnv64a(checksum, line)
	}

	var le [8]byte
	for range *req.HashRounds {
		binary.LittleEndian.PutUint64(le[:], checksum)
		checksum = fnv64a(fnv64Offset, le[:])
	}

	results := make([]groupResult, 0, len(groups))
	for _, category := range slices.Sorted(maps.Keys(groups)) { // byte order
		g := groups[category]
		slices.Sort(g.latencies)
		n := int64(len(g.latencies))
		percentiles := make([]percentileResult, len(req.Percentiles))
		for i, p := range req.Percentiles {
			// nearest rank: sorted[ceil(p*n/100) - 1]
			percentiles[i] = percentileResult{P: p, LatencyUS: g.latencies[(p*n+99)/100-1]}
		}
		results = append(results, groupResult{
			Category:       category,
			Count:          len(g.latencies),
			SumAmountCents: g.sumAmountCents,
			MinLatencyUS:   g.minLatency,
			MaxLatencyUS:   g.maxLatency,
			DistinctUsers:  len(g.users),
			Percentiles:    percentiles,
		})
	}
	return processResponse{
		Count:    len(req.Records),
		Groups:   results,
		Checksum: fmt.Sprintf("%016x", checksum),
	}
}

const (
	fnv64Offset uint64 = 0xcbf29ce484222325
	fnv64Prime  uint64 = 0x100000001b3
)

// fnv64a continues an FNV-1a 64 hash h over b (arithmetic mod 2^64).
func fnv64a(h uint64, b []byte) uint64 {
	for _, c := range b {
		h ^= uint64(c)
		h *= fnv64Prime
	}
	return h
}
