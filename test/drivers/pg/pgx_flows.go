// pgx v4 flows (Debian golang-github-jackc-pgx-v4-dev, built offline in GOPATH
// mode). Called as `pgx_flows FLOW TABLE` with PG_URL in the environment and
// the case's texts as a JSON array on stdin; prints {"rows": [...]} on stdout.
// pgx prepares each query text as a named statement (its default statement
// cache); SendBatch then sends every queued Bind/Execute before one Sync.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/jackc/pgconn"
	"github.com/jackc/pgx/v4"
)

const paramSQL = "SELECT $1::text AS input, s.sentiment, s.confidence FROM aws_comprehend.detect_sentiment($1, 'en') s"

type row struct {
	Input      *string  `json:"input"`
	Sentiment  *string  `json:"sentiment"`
	Confidence *float64 `json:"confidence"`
}

type output struct {
	Rows []row `json:"rows"`
}

// querier is what a connection and a transaction have in common here.
type querier interface {
	Query(ctx context.Context, sql string, args ...interface{}) (pgx.Rows, error)
}

func collect(rows pgx.Rows, out *[]row) error {
	defer rows.Close()
	for rows.Next() {
		var input, sentiment *string
		var confidence *float32
		if err := rows.Scan(&input, &sentiment, &confidence); err != nil {
			return err
		}
		r := row{Input: input, Sentiment: sentiment}
		if confidence != nil {
			// Widened exactly, so the JSON number is the float4 the server sent.
			c := float64(*confidence)
			r.Confidence = &c
		}
		*out = append(*out, r)
	}
	return rows.Err()
}

func queryEach(ctx context.Context, q querier, texts []string, out *[]row) error {
	for _, text := range texts {
		rows, err := q.Query(ctx, paramSQL, text)
		if err != nil {
			return err
		}
		if err := collect(rows, out); err != nil {
			return err
		}
	}
	return nil
}

func run(ctx context.Context, conn *pgx.Conn, flow string, texts []string) ([]row, error) {
	out := []row{}
	switch flow {
	case "batch":
		batch := &pgx.Batch{}
		for _, text := range texts {
			batch.Queue(paramSQL, text)
		}
		results := conn.SendBatch(ctx, batch)
		for range texts {
			rows, err := results.Query()
			if err != nil {
				results.Close()
				return nil, err
			}
			if err := collect(rows, &out); err != nil {
				results.Close()
				return nil, err
			}
		}
		return out, results.Close()
	case "query":
		return out, queryEach(ctx, conn, texts, &out)
	case "transaction":
		tx, err := conn.Begin(ctx)
		if err != nil {
			return nil, err
		}
		if err := queryEach(ctx, tx, texts, &out); err != nil {
			_ = tx.Rollback(ctx)
			return nil, err
		}
		return out, tx.Commit(ctx)
	}
	return nil, fmt.Errorf("unknown flow %s", flow)
}

func fail(err error) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		fmt.Fprintf(os.Stderr, "PgError SQLSTATE %s: %s\n", pgErr.Code, pgErr.Message)
	} else {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
	}
	os.Exit(1)
}

func main() {
	var texts []string
	if err := json.NewDecoder(os.Stdin).Decode(&texts); err != nil {
		fail(err)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, os.Getenv("PG_URL"))
	if err != nil {
		fail(err)
	}
	defer conn.Close(ctx)
	rows, err := run(ctx, conn, os.Args[1], texts)
	if err != nil {
		fail(err)
	}
	if err := json.NewEncoder(os.Stdout).Encode(output{Rows: rows}); err != nil {
		fail(err)
	}
}
