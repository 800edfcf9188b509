"""One DB-API flow through the emulator's MySQL front, with autocommit off (the
DB-API default), for PyMySQL and mysqlclient alike: ALIAS DDL, ML statements,
commit, DDL right after an ML statement, rollback of ML writes, a user savepoint, an
implicit commit by START TRANSACTION. Prints one JSON document: each step's
result or error, for the TypeScript test to check value by value.

usage: dbapi_flow.py pymysql|MySQLdb HOST PORT DATABASE SOURCE_TABLE LABELS_TABLE TEXT...
"""

import json
import sys

DETECT = "aws_comprehend_detect_sentiment({0}, 'en')"
CONFIDENCE = "aws_comprehend_detect_sentiment_confidence({0}, 'en')"


def connect(driver, host, port, database):
    if driver == "pymysql":
        import pymysql

        conn = pymysql.connect(host=host, port=port, user="root", database=database, charset="utf8mb4")
        return conn, "PyMySQL " + pymysql.__version__, pymysql.MySQLError
    import MySQLdb

    conn = MySQLdb.connect(host=host, port=port, user="root", database=database, charset="utf8mb4")
    return conn, "mysqlclient " + ".".join(str(p) for p in MySQLdb.version_info[:3]), MySQLdb.MySQLError


def main():
    driver, host, port, database, source, labels = sys.argv[1:7]
    texts = sys.argv[7:]
    conn, version, db_error = connect(driver, host, int(port), database)
    cur = conn.cursor()
    steps = []

    def step(name, action):
        # Every step runs even when an earlier one failed, so one report shows all that broke.
        try:
            steps.append({"step": name, "result": action()})
        except db_error as err:
            steps.append({"step": name, "error": {"errno": err.args[0], "message": str(err.args[1])}})

    def rows(sql, params=None):
        cur.execute(sql, params)
        return [list(r) for r in cur.fetchall()]

    def count(sql, params=None):
        return cur.execute(sql, params)

    def commit():
        conn.commit()
        return "ok"

    def rollback():
        conn.rollback()
        return "ok"

    select_all = "SELECT id, {0}, {1}, score(user_id, product_id) FROM {2} ORDER BY id".format(
        DETECT.format("message"), CONFIDENCE.format("message"), source
    )
    step("autocommit at connect", lambda: rows("SELECT @@autocommit"))
    # An existing function makes the later DROP FUNCTION IF EXISTS a real definition change.
    step("DROP FUNCTION IF EXISTS before", lambda: count("DROP FUNCTION IF EXISTS score"))
    step(
        "CREATE FUNCTION ... ALIAS",
        lambda: count(
            "CREATE FUNCTION score(user_id INT, product_id INT) RETURNS DOUBLE "
            "ALIAS AWS_SAGEMAKER_INVOKE_ENDPOINT ENDPOINT NAME 'demo-score'"
        ),
    )
    step("ML select", lambda: rows(select_all))
    for i, text in enumerate(texts):
        step(
            "ML select with parameter %d" % i,
            lambda text=text: rows("SELECT {0}, {1}".format(DETECT.format("%s"), CONFIDENCE.format("%s")), (text, text)),
        )
    step("commit after ML", commit)
    step("DROP FUNCTION IF EXISTS after ML", lambda: count("DROP FUNCTION IF EXISTS score"))
    step(
        "CREATE TABLE",
        lambda: count("CREATE TABLE %s (id INT PRIMARY KEY, sentiment VARCHAR(16), confidence DOUBLE) ENGINE=InnoDB" % labels),
    )
    insert = "INSERT INTO {0} (id, sentiment, confidence) SELECT id, {1}, {2} FROM {3}".format(
        labels, DETECT.format("message"), CONFIDENCE.format("message"), source
    )
    step("ML INSERT ... SELECT", lambda: count(insert))
    step("rollback of ML INSERT", rollback)
    step("labels after rollback", lambda: rows("SELECT * FROM %s" % labels))
    step("ML INSERT ... SELECT again", lambda: count(insert))
    step("commit of ML INSERT", commit)
    step("ML UPDATE", lambda: count("UPDATE {0} SET sentiment = {1}".format(source, DETECT.format("message"))))
    step("source inside the transaction", lambda: rows("SELECT id, sentiment FROM %s ORDER BY id" % source))
    step("rollback of ML UPDATE", rollback)
    step("source after rollback", lambda: rows("SELECT id, sentiment FROM %s ORDER BY id" % source))
    step("ML select opens a transaction", lambda: rows("SELECT {0} FROM {1} WHERE id = 1".format(DETECT.format("message"), source)))
    # The emulator's own savepoint must be gone once its statement is over.
    step("no savepoint of the emulator left", lambda: count("ROLLBACK TO SAVEPOINT aurora_ml_statement"))
    step("user SAVEPOINT", lambda: count("SAVEPOINT mine"))
    step(
        "ML UPDATE after the savepoint",
        lambda: count("UPDATE {0} SET sentiment = {1} WHERE id <= 5".format(source, DETECT.format("message"))),
    )
    step("ROLLBACK TO the user savepoint", lambda: count("ROLLBACK TO SAVEPOINT mine"))
    step(
        "ML UPDATE before an implicit commit",
        lambda: count("UPDATE {0} SET sentiment = {1} WHERE id <= 3".format(source, DETECT.format("message"))),
    )
    step("START TRANSACTION commits implicitly", lambda: count("START TRANSACTION"))
    step("rollback after the implicit commit", rollback)
    step("source at the end", lambda: rows("SELECT id, sentiment FROM %s ORDER BY id" % source))
    step("session at the end", lambda: rows("SELECT @@autocommit, @@in_transaction"))
    conn.close()
    print(json.dumps({"driver": version, "steps": steps}))


main()
