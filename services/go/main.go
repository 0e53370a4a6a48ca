// Command server is the Go service of rewrite-bench (services/CONTRACT.md): net/http with the
// Go 1.22+ ServeMux patterns and encoding/json. This file reads the environment, builds the
// shared state (live heap, database, upstream client) before it listens, routes, and shuts down
// gracefully on SIGTERM or SIGINT.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"syscall"
	"time"
)

// config is the process contract's environment (CONTRACT.md §1).
type config struct {
	host            string
	port            int
	workers         int
	dbPath          string
	upstreamURL     string
	upstreamPool    int
	upstreamTimeout time.Duration
	liveHeapObjects int
	extraCPU        time.Duration
}

func loadConfig() (config, error) {
	cfg := config{
		host:        envString("HOST", "127.0.0.1"),
		dbPath:      os.Getenv("DB_PATH"),
		upstreamURL: os.Getenv("UPSTREAM_URL"),
	}
	if os.Getenv("PORT") == "" {
		return cfg, errors.New("PORT is required")
	}
	var err error
	if cfg.port, err = envInt("PORT", 0, 0, 65535); err != nil {
		return cfg, err
	}
	if cfg.workers, err = envInt("WORKERS", 1, 1, 1024); err != nil {
		return cfg, err
	}
	if cfg.upstreamPool, err = envInt("UPSTREAM_POOL", 256, 1, 1_000_000); err != nil {
		return cfg, err
	}
	timeoutMS, err := envInt("UPSTREAM_TIMEOUT_MS", 2000, 1, 3_600_000)
	if err != nil {
		return cfg, err
	}
	cfg.upstreamTimeout = time.Duration(timeoutMS) * time.Millisecond
	if cfg.liveHeapObjects, err = envInt("LIVE_HEAP_OBJECTS", 1_000_000, 0, 1<<31-1); err != nil {
		return cfg, err
	}
	extraUS, err := envInt("EXTRA_CPU_US", 0, 0, 60_000_000)
	if err != nil {
		return cfg, err
	}
	cfg.extraCPU = time.Duration(extraUS) * time.Microsecond
	return cfg, nil
}

func envString(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func envInt(name string, def, lo, hi int) (int, error) {
	raw := os.Getenv(name)
	if raw == "" {
		return def, nil
	}
	v, err := strconv.Atoi(raw)
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("%s must be an integer in [%d, %d], got %q", name, lo, hi, raw)
	}
	return v, nil
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("go-server: ")
	cfg, err := loadConfig()
	if err != nil {
		log.Fatal(err)
	}
	runtime.GOMAXPROCS(cfg.workers)
	if err := run(cfg); err != nil {
		log.Fatal(err)
	}
}

// app holds the state shared by all requests.
type app struct {
	heap    *liveHeap
	store   *itemStore // nil without DB_PATH
	gateway *gateway
	info    runtimeVersions
}

func run(cfg config) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// Everything /health vouches for is built before the listener opens.
	a := &app{
		heap:    newLiveHeap(cfg.liveHeapObjects),
		gateway: newGateway(cfg.upstreamURL, cfg.upstreamPool, cfg.upstreamTimeout),
		info:    readVersions(),
	}
	if cfg.dbPath != "" {
		store, err := openItemStore(ctx, cfg.dbPath, cfg.workers)
		if err != nil {
			return err
		}
		defer store.Close()
		a.store = store
	}

	srv := &http.Server{
		Handler:           withRequestPolicy(a.routes(), cfg.extraCPU),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.host, strconv.Itoa(cfg.port)))
	if err != nil {
		return err
	}
	log.Printf("listening on %s (GOMAXPROCS=%d, %s)", ln.Addr(), runtime.GOMAXPROCS(0), runtime.Version())

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	stop() // a second signal terminates at once

	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", handleHealth)
	mux.HandleFunc("GET /debug/runtime", a.handleRuntime)
	mux.HandleFunc("GET /json", handleJSON)
	mux.HandleFunc("POST /process", handleProcess)
	mux.HandleFunc("GET /alloc", a.handleAlloc)
	mux.HandleFunc("GET /gateway", a.handleGateway)
	if a.store != nil {
		mux.HandleFunc("GET /items", a.store.handleList)
		mux.HandleFunc("POST /items", a.store.handleCreate)
		mux.HandleFunc("GET /items/{id}", a.store.handleGet)
		mux.HandleFunc("PUT /items/{id}", a.store.handleReplace)
		mux.HandleFunc("DELETE /items/{id}", a.store.handleDelete)
	} else {
		for _, pattern := range []string{"GET /items", "POST /items", "GET /items/{id}", "PUT /items/{id}", "DELETE /items/{id}"} {
			mux.HandleFunc(pattern, handleNoDatabase)
		}
	}
	return mux
}

// withRequestPolicy applies the rules that hold for every request: the EXTRA_CPU_US
// calibration spin (except /health and /debug/runtime) and the 1 MiB body limit, answered
// here when Content-Length announces an oversized body and by readBody for streamed ones.
func withRequestPolicy(next http.Handler, extraCPU time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if extraCPU > 0 && r.URL.Path != "/health" && r.URL.Path != "/debug/runtime" {
			spin(extraCPU)
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		if r.ContentLength > maxBodyBytes {
			// Read up to the limit first: once MaxBytesReader trips, net/http closes the
			// connection gracefully (FIN, then a delay) instead of resetting it with the
			// unread body pending, which can destroy the 413 before the client reads it.
			io.Copy(io.Discard, r.Body)
			writeError(w, http.StatusRequestEntityTooLarge, "body_too_large")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// spin busy-waits for d on the monotonic clock.
func spin(d time.Duration) {
	start := time.Now()
	for time.Since(start) < d {
	}
}

type statusBody struct {
	Status string `json:"status"`
}

func handleHealth(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, statusBody{Status: "ok"})
}

type messageBody struct {
	Message string `json:"message"`
}

func handleJSON(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, messageBody{Message: "Hello, World!"})
}
