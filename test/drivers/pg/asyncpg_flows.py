"""asyncpg flows (Debian python3-asyncpg). asyncpg prepares a named statement
per query text unless statement_cache_size=0, where it parses the unnamed
statement and binds it in a later round trip; executemany sends every
Bind/Execute before one Sync; cursors read a portal with row-limited Executes."""

import asyncio

import asyncpg

from flowio import CHUNK, main, row

PARAM_SQL = "SELECT $1::text AS input, s.sentiment, s.confidence FROM aws_comprehend.detect_sentiment($1, 'en') s"
TABLE_SQL = "SELECT t.txt, s.sentiment, s.confidence FROM {} t, aws_comprehend.detect_sentiment(t.txt, 'en') s ORDER BY t.id"
INSERT_SQL = (
    "INSERT INTO {}_out (id, input, sentiment, confidence) "
    "SELECT $1::int, $2::text, s.sentiment, s.confidence FROM aws_comprehend.detect_sentiment($2, 'en') s"
)


def rows_of(records):
    return [row(r[0], r[1], r[2]) for r in records]


async def executemany(conn, table, texts):
    await conn.executemany(INSERT_SQL.format(table), [(i, text) for i, text in enumerate(texts)])
    return {"rows": []}


async def fetch_each(conn, table, texts):
    rows = []
    for text in texts:
        rows.extend(rows_of(await conn.fetch(PARAM_SQL, text)))
    return {"rows": rows}


async def cursor_in_transaction(conn, table, texts):
    rows, chunks = [], []
    async with conn.transaction():
        cur = await conn.cursor(TABLE_SQL.format(table))
        while True:
            batch = await cur.fetch(CHUNK)
            if not batch:
                break
            chunks.append(len(batch))
            rows.extend(rows_of(batch))
    return {"rows": rows, "chunks": chunks}


async def prepared_reused(conn, table, texts):
    stmt = await conn.prepare(PARAM_SQL)
    rows = []
    for text in texts:
        rows.extend(rows_of(await stmt.fetch(text)))
    return {"rows": rows}


def flow(work, **connect_options):
    def run(url, table, texts):
        async def go():
            conn = await asyncpg.connect(url, **connect_options)
            try:
                return await work(conn, table, texts)
            finally:
                await conn.close()

        return asyncio.run(go())

    return run


if __name__ == "__main__":
    main(
        {
            "executemany": flow(executemany),
            "fetch": flow(fetch_each),
            "no-statement-cache": flow(fetch_each, statement_cache_size=0),
            "cursor-transaction": flow(cursor_in_transaction),
            "prepared-reused": flow(prepared_reused),
        }
    )
