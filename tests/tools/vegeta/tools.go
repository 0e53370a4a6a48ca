//go:build tools

// Package tools pins vegeta for bench:self's floor table (harness/bench/self/floor-tools.ts): it is
// built on demand with `go build -mod=readonly` from this module's go.sum, never by npm test.
package tools

import _ "github.com/tsenart/vegeta/v12"
