//go:build tools

// Package tools pins Prometheus for the test suite's Prometheus stack: the test set-up
// (harness/dev/test-tools.ts) builds it with `go build -mod=readonly` from this module's go.sum.
package tools

import _ "github.com/prometheus/prometheus/cmd/prometheus"
