// /items (CONTRACT.md §3): SQLite CRUD through database/sql and github.com/mattn/go-sqlite3.
// Reads share a small pool; writes go through a single connection, the usual SQLite setup, so
// concurrent writers queue in Go instead of sleeping in SQLite's busy handler. Every connection
// gets the contract's PRAGMAs from DSN parameters.
package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/mattn/go-sqlite3"
)

// item is the item JSON, fields in contract order.
type item struct {
	ID         int64  `json:"id"`
	SKU        string `json:"sku"`
	Name       string `json:"name"`
	Category   string `json:"category"`
	PriceCents int64  `json:"price_cents"`
	Qty        int64  `json:"qty"`
	UpdatedAt  int64  `json:"updated_at"`
}

type itemList struct {
	Items       []item `json:"items"`
	NextAfterID *int64 `json:"next_after_id"`
}

// itemInput is the POST and PUT body; see processRequest for the pointer and Fold* fields.
type itemInput struct {
	FoldSKU        unknownField `json:"SKU"`
	FoldName       unknownField `json:"NAME"`
	FoldCategory   unknownField `json:"CATEGORY"`
	FoldPriceCents unknownField `json:"PRICE_CENTS"`
	FoldQty        unknownField `json:"QTY"`

	SKU        *string `json:"sku"`
	Name       *string `json:"name"`
	Category   *string `json:"category"`
	PriceCents *int64  `json:"price_cents"`
	Qty        *int64  `json:"qty"`
}

func (in *itemInput) valid() bool {
	return in.SKU != nil && isToken(*in.SKU, 32) &&
		in.Name != nil && isName(*in.Name) &&
		in.Category != nil && isToken(*in.Category, 32) &&
		inRange(in.PriceCents, 0, 1_000_000_000) &&
		inRange(in.Qty, 0, 1_000_000_000)
}

func (in *itemInput) item(id, updatedAt int64) item {
	return item{ID: id, SKU: *in.SKU, Name: *in.Name, Category: *in.Category,
		PriceCents: *in.PriceCents, Qty: *in.Qty, UpdatedAt: updatedAt}
}

type itemStore struct {
	reader, writer *sql.DB
	get, list      *sql.Stmt // on reader
	insert, update *sql.Stmt // on writer
	delete         *sql.Stmt // on writer
}

const itemColumns = "id, sku, name, category, price_cents, qty, updated_at"

func openItemStore(ctx context.Context, path string, workers int) (*itemStore, error) {
	// The harness seeds DB_PATH; a missing file is a setup error, not a new empty database.
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("DB_PATH: %w", err)
	}
	dsn := path + "?_journal_mode=WAL&_synchronous=NORMAL&_busy_timeout=5000&_foreign_keys=on"
	reader, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, err
	}
	readers := max(4, 2*workers)
	reader.SetMaxOpenConns(readers)
	reader.SetMaxIdleConns(readers)
	writer, err := sql.Open("sqlite3", dsn)
	if err != nil {
		reader.Close()
		return nil, err
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)

	s := &itemStore{reader: reader, writer: writer}
	// Preparing also checks that the schema is there.
	prepare := func(db *sql.DB, query string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var stmt *sql.Stmt
		stmt, err = db.PrepareContext(ctx, query)
		return stmt
	}
	s.get = prepare(reader, "SELECT "+itemColumns+" FROM items WHERE id = ?")
	s.list = prepare(reader, "SELECT "+itemColumns+" FROM items WHERE category = ? AND id > ? ORDER BY id LIMIT ?")
	s.insert = prepare(writer, "INSERT INTO items (sku, name, category, price_cents, qty, updated_at) VALUES (?, ?, ?, ?, ?, ?)")
	s.update = prepare(writer, "UPDATE items SET sku = ?, name = ?, category = ?, price_cents = ?, qty = ?, updated_at = ? WHERE id = ?")
	s.delete = prepare(writer, "DELETE FROM items WHERE id = ?")
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("DB_PATH %s: %w", path, err)
	}
	return s, nil
}

// Close closes both pools (and with them the prepared statements).
func (s *itemStore) Close() error {
	return errors.Join(s.reader.Close(), s.writer.Close())
}

func isUniqueViolation(err error) bool {
	var sqliteErr sqlite3.Error
	return errors.As(err, &sqliteErr) && sqliteErr.ExtendedCode == sqlite3.ErrConstraintUnique
}

// pathID parses {id} (^[0-9]{1,15}$), answering 400 invalid_id otherwise.
func pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, ok := parseDigits(r.PathValue("id"), 15)
	if !ok {
		writeError(w, http.StatusBadRequest, "invalid_id")
	}
	return int64(id), ok
}

// updatedAt reads header X-Now (^[0-9]{1,15}$, 0 when absent), answering 400 invalid_header
// otherwise.
func updatedAt(w http.ResponseWriter, r *http.Request) (int64, bool) {
	var now uint64
	ok := true
	switch values := r.Header.Values("X-Now"); len(values) {
	case 0:
	case 1:
		now, ok = parseDigits(values[0], 15)
	default:
		ok = false
	}
	if !ok {
		writeError(w, http.StatusBadRequest, "invalid_header")
	}
	return int64(now), ok
}

// readItemInput decodes and validates a POST or PUT body (400 invalid_json, 422 invalid_request).
func readItemInput(w http.ResponseWriter, body []byte) (*itemInput, bool) {
	var in itemInput
	if !decodeJSON(w, body, &in) {
		return nil, false
	}
	if !in.valid() {
		writeError(w, http.StatusUnprocessableEntity, "invalid_request")
		return nil, false
	}
	return &in, true
}

func writeInternalError(w http.ResponseWriter) {
	writeError(w, http.StatusInternalServerError, "internal_error")
}

func (s *itemStore) handleGet(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	var it item
	err := s.get.QueryRowContext(r.Context(), id).
		Scan(&it.ID, &it.SKU, &it.Name, &it.Category, &it.PriceCents, &it.Qty, &it.UpdatedAt)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		writeError(w, http.StatusNotFound, "not_found")
	case err != nil:
		writeInternalError(w)
	default:
		writeJSON(w, http.StatusOK, it)
	}
}

func (s *itemStore) handleList(w http.ResponseWriter, r *http.Request) {
	q := parseQuery(r.URL.RawQuery)
	category, present, ok := q.one("category")
	afterID, okAfter := q.uint("after_id", 15, 0, 999_999_999_999_999, 0)
	limit, okLimit := q.uint("limit", 3, 1, 100, 20)
	if !ok || !present || !isToken(category, 32) || !okAfter || !okLimit {
		writeError(w, http.StatusBadRequest, "invalid_query")
		return
	}
	rows, err := s.list.QueryContext(r.Context(), category, int64(afterID), int64(limit))
	if err != nil {
		writeInternalError(w)
		return
	}
	defer rows.Close()
	list := itemList{Items: make([]item, 0, limit)} // [] rather than null when empty
	for rows.Next() {
		var it item
		if err := rows.Scan(&it.ID, &it.SKU, &it.Name, &it.Category, &it.PriceCents, &it.Qty, &it.UpdatedAt); err != nil {
			writeInternalError(w)
			return
		}
		list.Items = append(list.Items, it)
	}
	if err := rows.Err(); err != nil {
		writeInternalError(w)
		return
	}
	if len(list.Items) == int(limit) {
		list.NextAfterID = &list.Items[len(list.Items)-1].ID
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *itemStore) handleCreate(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	now, ok := updatedAt(w, r)
	if !ok {
		return
	}
	in, ok := readItemInput(w, body)
	if !ok {
		return
	}
	res, err := s.insert.ExecContext(r.Context(), *in.SKU, *in.Name, *in.Category, *in.PriceCents, *in.Qty, now)
	if isUniqueViolation(err) {
		writeError(w, http.StatusConflict, "conflict")
		return
	}
	if err != nil {
		writeInternalError(w)
		return
	}
	id, err := res.LastInsertId()
	if err != nil {
		writeInternalError(w)
		return
	}
	writeJSON(w, http.StatusCreated, in.item(id, now))
}

func (s *itemStore) handleReplace(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r) // 413 comes before every other check
	if !ok {
		return
	}
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	now, ok := updatedAt(w, r)
	if !ok {
		return
	}
	in, ok := readItemInput(w, body)
	if !ok {
		return
	}
	res, err := s.update.ExecContext(r.Context(), *in.SKU, *in.Name, *in.Category, *in.PriceCents, *in.Qty, now, id)
	if isUniqueViolation(err) {
		writeError(w, http.StatusConflict, "conflict")
		return
	}
	if err != nil {
		writeInternalError(w)
		return
	}
	if n, err := res.RowsAffected(); err != nil {
		writeInternalError(w)
		return
	} else if n == 0 {
		writeError(w, http.StatusNotFound, "not_found")
		return
	}
	writeJSON(w, http.StatusOK, in.item(id, now))
}

func (s *itemStore) handleDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	res, err := s.delete.ExecContext(r.Context(), id)
	if err != nil {
		writeInternalError(w)
		return
	}
	if n, err := res.RowsAffected(); err != nil {
		writeInternalError(w)
		return
	} else if n == 0 {
		writeError(w, http.StatusNotFound, "not_found")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleNoDatabase answers every /items route when DB_PATH is unset (after the body limit).
func handleNoDatabase(w http.ResponseWriter, r *http.Request) {
	if _, ok := readBody(w, r); !ok {
		return
	}
	writeError(w, http.StatusServiceUnavailable, "no_database")
}
