// GET /gateway (CONTRACT.md §3): fan-out I/O. n concurrent calls to the upstream's /echo through
// one shared keep-alive http.Client (UPSTREAM_POOL connections, UPSTREAM_TIMEOUT_MS per call),
// values returned in call order; any timeout answers 504, any other failure 502.
package main

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

var (
	errUpstreamTimeout = errors.New("upstream timeout")
	errUpstreamFailed  = errors.New("upstream error")
)

type gateway struct {
	baseURL string // "" without UPSTREAM_URL
	client  *http.Client
}

func newGateway(baseURL string, pool int, timeout time.Duration) *gateway {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.Proxy = nil // the upstream is a direct neighbour
	transport.MaxIdleConns = pool
	transport.MaxIdleConnsPerHost = pool // the default of 2 would churn connections
	transport.MaxConnsPerHost = pool
	return &gateway{
		baseURL: strings.TrimRight(baseURL, "/"),
		// Client.Timeout bounds one call from connect to the last byte of the body.
		client: &http.Client{Transport: transport, Timeout: timeout},
	}
}

type gatewayResponse struct {
	Key    string   `json:"key"`
	N      uint64   `json:"n"`
	Sum    uint64   `json:"sum"`
	Values []uint32 `json:"values"`
}

func (a *app) handleGateway(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r.URL.RawQuery)
	key, present, ok := q.one("key")
	n, okN := q.uint("n", 2, 1, 16, 3)
	if !ok || !present || !isToken(key, 32) || !okN {
		writeError(w, http.StatusBadRequest, "invalid_query")
		return
	}
	if a.gateway.baseURL == "" {
		writeError(w, http.StatusBadGateway, "upstream_error")
		return
	}

	values := make([]uint32, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range int(n) {
		wg.Go(func() { values[i], errs[i] = a.gateway.echo(r, key, i) })
	}
	wg.Wait()

	// Every call has finished, so a timeout anywhere wins over other failures.
	switch {
	case slices.Contains(errs, errUpstreamTimeout):
		writeError(w, http.StatusGatewayTimeout, "upstream_timeout")
	case slices.Contains(errs, errUpstreamFailed):
		writeError(w, http.StatusBadGateway, "upstream_error")
	default:
		var sum uint64
		for _, v := range values {
			sum += uint64(v)
		}
		writeJSON(w, http.StatusOK, gatewayResponse{Key: key, N: n, Sum: sum, Values: values})
	}
}

type echoResponse struct {
	Key *string `json:"key"`
	I   *int64  `json:"i"`
	V   *int64  `json:"v"`
}

// echo calls GET {UPSTREAM_URL}/echo?key=K&i=I and returns V, or errUpstreamTimeout or
// errUpstreamFailed. key is a token, so it needs no escaping.
func (g *gateway) echo(r *http.Request, key string, i int) (uint32, error) {
	url := g.baseURL + "/echo?key=" + key + "&i=" + strconv.Itoa(i)
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, url, nil)
	if err != nil {
		return 0, errUpstreamFailed
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return 0, classify(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return 0, classify(err)
	}
	if resp.StatusCode != http.StatusOK {
		return 0, errUpstreamFailed
	}
	var echo echoResponse
	if err := json.Unmarshal(body, &echo); err != nil ||
		echo.Key == nil || *echo.Key != key ||
		echo.I == nil || *echo.I != int64(i) ||
		echo.V == nil || *echo.V < 0 || *echo.V > 1<<32-1 {
		return 0, errUpstreamFailed
	}
	return uint32(*echo.V), nil
}

func classify(err error) error {
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return errUpstreamTimeout
	}
	return errUpstreamFailed
}
