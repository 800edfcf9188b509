"""Plumbing shared by the matrix's Python programs.

Called as `program.py FLOW TABLE` with PG_URL and FETCH_ROWS (rows per
chunked fetch) in the environment and the case's
texts as a JSON array on stdin. A flow returns {"rows": [...], "chunks": [...]};
it is printed as JSON on stdout. A failure prints the driver's SQLSTATE and
message on stderr and exits 1, so the test report shows what the driver saw.
"""

import json
import os
import sys
import traceback

CHUNK = int(os.environ["FETCH_ROWS"])


def row(input_text, sentiment, confidence):
    return {"input": input_text, "sentiment": sentiment, "confidence": confidence}


def fetch_in_chunks(fetchmany):
    """Calls fetchmany() until it comes back empty; returns rows and each fetch's size."""
    rows, chunks = [], []
    while True:
        batch = fetchmany()
        if not batch:
            return {"rows": rows, "chunks": chunks}
        chunks.append(len(batch))
        rows.extend(row(*r) for r in batch)


def main(flows):
    flow, table = sys.argv[1], sys.argv[2]
    texts = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    try:
        out = flows[flow](os.environ["PG_URL"], table, texts)
    except Exception as err:  # the report needs whatever the driver raised
        code = getattr(err, "pgcode", None) or getattr(err, "sqlstate", None)
        traceback.print_exc()
        # Last, on one line: the report shows the end of stderr, and some messages run to many lines.
        first_line = (str(err).splitlines() or [""])[0]
        sys.stderr.write(f"{type(err).__name__} SQLSTATE {code}: {first_line}\n")
        sys.exit(1)
    sys.stdout.buffer.write(json.dumps(out).encode("utf-8"))
