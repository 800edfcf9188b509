"""psycopg2 flows (Debian python3-psycopg2). psycopg2 interpolates parameters
on the client and sends simple Query messages; outside autocommit it opens
each transaction with its own BEGIN. Named cursors are DECLARE ... CURSOR and
FETCH FORWARD n. `with conn` commits; closing() ends the connection."""

from contextlib import closing

import psycopg2

from flowio import CHUNK, fetch_in_chunks, main, row

PARAM_SQL = "SELECT %s::text AS input, s.sentiment, s.confidence FROM aws_comprehend.detect_sentiment(%s, 'en') s"
TABLE_SQL = "SELECT t.txt, s.sentiment, s.confidence FROM {} t, aws_comprehend.detect_sentiment(t.txt, 'en') s ORDER BY t.id"
INSERT_SQL = (
    "INSERT INTO {}_out (id, input, sentiment, confidence) "
    "SELECT %s, %s, s.sentiment, s.confidence FROM aws_comprehend.detect_sentiment(%s, 'en') s"
)


def execute_params(url, table, texts):
    with closing(psycopg2.connect(url)) as conn, conn, conn.cursor() as cur:
        rows = []
        for text in texts:
            cur.execute(PARAM_SQL, (text, text))
            rows.extend(row(*r) for r in cur.fetchall())
    return {"rows": rows}


def executemany(url, table, texts):
    """One INSERT per parameter set, in one transaction; the test reads the table."""
    with closing(psycopg2.connect(url)) as conn, conn, conn.cursor() as cur:
        cur.executemany(INSERT_SQL.format(table), [(i, text, text) for i, text in enumerate(texts)])
    return {"rows": []}


def named_cursor(url, table, texts):
    conn = psycopg2.connect(url)
    try:
        with conn.cursor(name="drivers_named") as cur:
            cur.execute(TABLE_SQL.format(table))
            out = fetch_in_chunks(lambda: cur.fetchmany(CHUNK))
        conn.commit()
        return out
    finally:
        conn.close()


def withhold_cursor(url, table, texts):
    """WITH HOLD in autocommit: the cursor outlives the statement that declared it."""
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        cur = conn.cursor(name="drivers_hold", withhold=True)
        cur.execute(TABLE_SQL.format(table))
        out = fetch_in_chunks(lambda: cur.fetchmany(CHUNK))
        cur.close()
        return out
    finally:
        conn.close()


def sql_prepare(url, table, texts):
    """PREPARE ... AS / EXECUTE / DEALLOCATE written in SQL, as hand-written scripts do."""
    with closing(psycopg2.connect(url)) as conn, conn, conn.cursor() as cur:
        cur.execute(
            "PREPARE drivers_stmt(text) AS "
            "SELECT $1 AS input, s.sentiment, s.confidence FROM aws_comprehend.detect_sentiment($1, 'en') s"
        )
        rows = []
        for text in texts:
            cur.execute("EXECUTE drivers_stmt(%s)", (text,))
            rows.extend(row(*r) for r in cur.fetchall())
        cur.execute("DEALLOCATE drivers_stmt")
    return {"rows": rows}


if __name__ == "__main__":
    main(
        {
            "execute": execute_params,
            "executemany": executemany,
            "named-cursor": named_cursor,
            "withhold-cursor": withhold_cursor,
            "sql-prepare": sql_prepare,
        }
    )
