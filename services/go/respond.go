// Responses and request parsing shared by the handlers: compact JSON bodies without a trailing
// newline, the contract's error bodies, the size-limited body reader, strict JSON decoding and
// the query-string rules of CONTRACT.md §2.
package main

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
)

const maxBodyBytes = 1 << 20 // 1 MiB

// writeJSON answers status with v marshalled by json.Marshal: compact, no trailing newline.
// All response types are structs of ASCII-restricted strings, so HTML escaping never applies.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, code string) {
	writeJSON(w, status, errorBody{Error: code})
}

// readBody reads the request body, which withRequestPolicy caps at maxBodyBytes. On failure it
// has already answered: 413 for a body over the limit (chunked ones included).
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, "body_too_large")
		} else {
			writeError(w, http.StatusBadRequest, "invalid_json")
		}
		return nil, false
	}
	return body, true
}

// decodeJSON unmarshals body into v. Input that is not JSON at all (syntax error, empty,
// trailing garbage) answers 400 invalid_json: json.Unmarshal validates the whole input before it
// decodes anything, so a syntax error always wins. JSON of the wrong type (including 5.0, 5e0
// and out-of-range numbers for integer fields) answers 422 invalid_request.
func decodeJSON(w http.ResponseWriter, body []byte, v any) bool {
	err := json.Unmarshal(body, v)
	if err == nil {
		return true
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		writeError(w, http.StatusBadRequest, "invalid_json")
	} else {
		writeError(w, http.StatusUnprocessableEntity, "invalid_request")
	}
	return false
}

// unknownField swallows a JSON value without decoding it.
//
// encoding/json matches object keys case-insensitively when no field has the exact name, but the
// contract knows only the exact names: "Hash_Rounds" is an unknown field and must be ignored.
// Request structs therefore declare, before each real field, an unknownField whose tag folds to
// the same name; encoding/json gives every inexact match to the first field of that folded
// name, so only the exact spelling reaches the real field.
type unknownField struct{}

func (*unknownField) UnmarshalJSON([]byte) error { return nil }

// isToken reports whether s matches ^[A-Za-z0-9_-]{1,max}$.
func isToken(s string, max int) bool { return matchChars(s, max, false) }

// isName reports whether s matches ^[A-Za-z0-9 _-]{1,64}$ (item names).
func isName(s string) bool { return matchChars(s, 64, true) }

func matchChars(s string, max int, space bool) bool {
	if len(s) == 0 || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '-':
		case c == ' ' && space:
		default:
			return false
		}
	}
	return true
}

// parseDigits parses s if it matches ^[0-9]{1,maxDigits}$ (so no sign, space or prefix).
func parseDigits(s string, maxDigits int) (uint64, bool) {
	if len(s) == 0 || len(s) > maxDigits {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0') // maxDigits ≤ 15 cannot overflow
	}
	return v, true
}

// queryParams maps each decoded parameter name to its decoded values in order.
type queryParams map[string][]string

// parseQuery splits a raw query string as application/x-www-form-urlencoded (WHATWG URL, like
// the TypeScript reference, Python's parse_qsl and Rust's form_urlencoded): '&'-separated pairs,
// '+' as space, valid percent-escapes decoded and invalid ones kept as they are. url.ParseQuery
// differs on exactly those edges (it rejects ';' and drops pairs with a bad escape).
func parseQuery(raw string) queryParams {
	q := queryParams{}
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		name, value, _ := strings.Cut(pair, "=")
		name = decodeComponent(name)
		q[name] = append(q[name], decodeComponent(value))
	}
	return q
}

func decodeComponent(s string) string {
	if !strings.ContainsAny(s, "+%") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b = append(b, ' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}

// one returns the value of parameter name. ok is false when it is given more than once.
func (q queryParams) one(name string) (value string, present, ok bool) {
	switch vs := q[name]; len(vs) {
	case 0:
		return "", false, true
	case 1:
		return vs[0], true, true
	default:
		return "", true, false
	}
}

// uint returns integer parameter name: at most maxDigits digits, within [lo, hi], def when
// absent. ok is false for anything else.
func (q queryParams) uint(name string, maxDigits int, lo, hi, def uint64) (uint64, bool) {
	raw, present, ok := q.one(name)
	if !ok {
		return 0, false
	}
	if !present {
		return def, true
	}
	v, ok := parseDigits(raw, maxDigits)
	if !ok || v < lo || v > hi {
		return 0, false
	}
	return v, true
}
