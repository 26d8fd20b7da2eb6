"""The bare baseline of the inbox (issue #32): a minimal Flask app running the inbox's own SQL
(movement.services._HELD, first page of 25, newest first) for the benchmark user's posts,
rendered by a minimal template, under the same gunicorn config. bench/server.py runs it beside
/inbox in one run, so "eoffice ÷ baseline" is always measured, never remembered.

    DATABASE_URL=… BASELINE_POSTS=12,13 gunicorn -c gunicorn.conf.py bench.baseline:app
"""

import os

import psycopg
from flask import Flask, render_template_string

from eoffice.movement.services import _HELD

SQL = f"SELECT * FROM ({_HELD}) held ORDER BY since DESC, kind, id DESC LIMIT 25"
PAGE = """<!doctype html><html lang="hi"><meta charset="utf-8"><title>आवक</title>
<table>{% for r in rows %}<tr><td><a href="/files/{{ r[1] }}">{{ r[2] }}</a></td><td>{{ r[3] }}</td>
<td>{{ r[4] }}</td><td>{{ r[7].strftime('%d-%m-%Y') }}</td><td>{{ r[11] or '' }}</td></tr>{% endfor %}</table>"""

app = Flask(__name__)
POSTS = [int(p) for p in os.environ.get("BASELINE_POSTS", "0").split(",")]
DSN = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
_conn: psycopg.Connection | None = None


@app.get("/inbox")
def inbox():
    global _conn
    if _conn is None or _conn.closed:
        _conn = psycopg.connect(DSN, autocommit=True)
    rows = _conn.execute(SQL.replace(":posts", "%(posts)s"), {"posts": POSTS}).fetchall()
    return render_template_string(PAGE, rows=rows)
