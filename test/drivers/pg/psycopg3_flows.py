"""psycopg 3 flows (Debian python3-psycopg). psycopg 3 binds parameters on the
server (extended protocol); executemany and pipeline() send many
Bind/Execute pairs before one Sync; named cursors are DECLARE and FETCH sent
through the extended protocol."""

import psycopg

from flowio import CHUNK, fetch_in_chunks, main, row

PARAM_SQL = "SELECT %s::text AS input, s.sentiment, s.confidence FROM aws_comprehend.detect_sentiment(%s, 'en') s"
TABLE_SQL = "SELECT t.txt, s.sentiment, s.confidence FROM {} t, aws_comprehend.detect_sentiment(t.txt, 'en') s ORDER BY t.id"
# The issue's own shape: two ML calls in a VALUES row.
INSERT_SQL = (
    "INSERT INTO {}_out (id, input, sentiment, confidence) VALUES (%s, %s, "
    "(aws_comprehend.detect_sentiment(%s, 'en')).sentiment, (aws_comprehend.detect_sentiment(%s, 'en')).confidence)"
)


def executemany(url, table, texts):
    """Autocommit off: one transaction, committed when the block ends; the test reads the table."""
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.executemany(INSERT_SQL.format(table), [(i, text, text, text) for i, text in enumerate(texts)])
    return {"rows": []}


def pipeline(autocommit):
    def flow(url, table, texts):
        with psycopg.connect(url, autocommit=autocommit) as conn:
            with conn.pipeline():
                cursors = []
                for text in texts:
                    cur = conn.cursor()
                    cur.execute(PARAM_SQL, (text, text))
                    cursors.append(cur)
            rows = [row(*r) for cur in cursors for r in cur.fetchall()]
        return {"rows": rows}

    return flow


def named_cursor(autocommit, withhold):
    def flow(url, table, texts):
        with psycopg.connect(url, autocommit=autocommit) as conn:
            with conn.cursor(name="drivers_named", withhold=withhold) as cur:
                cur.execute(TABLE_SQL.format(table))
                out = fetch_in_chunks(lambda: cur.fetchmany(CHUNK))
            if not autocommit:
                conn.commit()
        return out

    return flow


if __name__ == "__main__":
    main(
        {
            "executemany": executemany,
            "pipeline-autocommit": pipeline(True),
            "pipeline-transaction": pipeline(False),
            "named-cursor-transaction": named_cursor(False, False),
            "withhold-cursor-autocommit": named_cursor(True, True),
            "withhold-cursor-transaction": named_cursor(False, True),
        }
    )
