// GET /debug/runtime (CONTRACT.md §3, not byte-compared): language, versions of the runtime and
// libraries, GOMAXPROCS and the runtime's own GC counters from runtime.MemStats.
package main

import (
	"net/http"
	"runtime"
	"runtime/debug"

	"github.com/mattn/go-sqlite3"
)

type runtimeVersions struct {
	Go        string `json:"go"`
	NetHTTP   string `json:"net/http"`
	GoSQLite3 string `json:"go-sqlite3"`
	SQLite    string `json:"sqlite"`
}

// readVersions reads the module versions linked into this binary.
func readVersions() runtimeVersions {
	v := runtimeVersions{Go: runtime.Version(), NetHTTP: "stdlib", GoSQLite3: "unknown"}
	v.SQLite, _, _ = sqlite3.Version()
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "github.com/mattn/go-sqlite3" {
				v.GoSQLite3 = dep.Version
			}
		}
	}
	return v
}

type runtimeInfo struct {
	Language string          `json:"language"`
	Versions runtimeVersions `json:"versions"`
	Workers  int             `json:"workers"`
	GC       gcStats         `json:"gc"`
}

type gcStats struct {
	NumGC          uint32   `json:"num_gc"`
	PauseTotalNs   uint64   `json:"pause_total_ns"`
	HeapAllocBytes uint64   `json:"heap_alloc_bytes"`
	RecentPausesNs []uint64 `json:"recent_pauses_ns"` // newest first, at most 32
}

func (a *app) handleRuntime(w http.ResponseWriter, _ *http.Request) {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	recent := make([]uint64, 0, 32)
	for i := uint32(0); i < min(m.NumGC, 32); i++ {
		recent = append(recent, m.PauseNs[(m.NumGC-1-i)%uint32(len(m.PauseNs))])
	}
	writeJSON(w, http.StatusOK, runtimeInfo{
		Language: "go",
		Versions: a.info,
		Workers:  runtime.GOMAXPROCS(0),
		GC: gcStats{
			NumGC:          m.NumGC,
			PauseTotalNs:   m.PauseTotalNs,
			HeapAllocBytes: m.HeapAlloc,
			RecentPausesNs: recent,
		},
	})
}
