"""Settings from the environment. Every name here can be set as an environment variable."""

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _secret_key(instance: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept under instance/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _workers() -> int:
    """gunicorn's workers (gunicorn.conf.py: EOFFICE_WORKERS, else two per core)."""
    return _int("EOFFICE_WORKERS", (os.cpu_count() or 1) * 2)


def _zone() -> str:
    return os.environ.get("EOFFICE_TIMEZONE", "Asia/Kolkata")


def load(instance: Path) -> dict:
    return {
        "SECRET_KEY": _secret_key(instance),
        # None: resolved by eoffice.platform.database (DATABASE_URL, else the embedded server)
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL"),
        #: the owner's connection, for migrations only (they then grant the app's role what it
        #: needs: eoffice.platform.database.grant_app_role); unset, migrations run as DATABASE_URL's role
        "OWNER_DATABASE_URI": os.environ.get("DATABASE_OWNER_URL"),
        #: a streaming replica for the heavy read-only pages (eoffice.platform.replica); unset: none
        "DATABASE_REPLICA_URL": os.environ.get("DATABASE_REPLICA_URL"),
        #: the replica serves only while its replay is at most this far behind the primary
        "REPLICA_MAX_LAG_BYTES": _int("EOFFICE_REPLICA_MAX_LAG_BYTES", 1 << 20),
        #: how often (seconds) each process checks the replica's health and lag
        "REPLICA_CHECK_SECONDS": _int("EOFFICE_REPLICA_CHECK_SECONDS", 5),
        # the database session speaks India's time too (current_date, ::date), whatever the
        # server's zone; timestamps are stored as instants (timestamptz) either way
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": True,
            # plans made for each statement's own values, always: a statement psycopg has
            # prepared (platform.database.KeptStatements) skips parsing, never the planner —
            # Postgres's generic plan for a search word was ten times slower (issue #32)
            "connect_args": {
                "options": f"-c TimeZone={_zone()} -c plan_cache_mode=force_custom_plan"
            },
        },
        "BABEL_DEFAULT_LOCALE": "hi",
        "BABEL_DEFAULT_TIMEZONE": _zone(),
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
        "LANGUAGES": ("hi", "en"),
        # Minutes of inactivity after which a login session ends.
        "SESSION_IDLE_MINUTES": _int("EOFFICE_SESSION_IDLE_MINUTES", 30),
        #: one audit "view" per user and item within this many minutes (0: every look)
        "AUDIT_VIEW_MINUTES": _int("EOFFICE_AUDIT_VIEW_MINUTES", 10),
        #: where the job worker anchors the audit chain's head, outside the database
        "AUDIT_ANCHOR": os.environ.get(
            "EOFFICE_AUDIT_ANCHOR", str(instance / "audit" / "anchor.jsonl")
        ),
        #: the key that seals events and signs anchor lines: never in the database nor in a
        #: backup; production keeps it outside instance/ (README)
        #: the database roles that write the trail (comma-separated; default: DATABASE_URL's):
        #: `audit verify` names an event any other role inserted
        "AUDIT_WRITERS": os.environ.get("EOFFICE_AUDIT_WRITERS", ""),
        "AUDIT_KEY_FILE": os.environ.get(
            "EOFFICE_AUDIT_KEY_FILE", str(instance / "audit" / "audit.key")
        ),
        # Login throttling (counted in Postgres, so it holds across gunicorn workers).
        "LOGIN_WINDOW_MINUTES": _int("EOFFICE_LOGIN_WINDOW_MINUTES", 15),
        "LOGIN_MAX_FAILURES_PER_ID": _int("EOFFICE_LOGIN_MAX_FAILURES_PER_ID", 5),
        "LOGIN_MAX_FAILURES_PER_IP": _int("EOFFICE_LOGIN_MAX_FAILURES_PER_IP", 100),
        # The CSRF token lives as long as the session; idle expiry is ours, above.
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("EOFFICE_SECURE_COOKIES") == "1",
        "MAX_CONTENT_LENGTH": _int("EOFFICE_MAX_UPLOAD_MB", 20) * 1024 * 1024,
        # Where accepted files live, named by SHA-256 (eoffice.platform.storage).
        "STORAGE_DIR": os.environ.get("EOFFICE_STORAGE_DIR", str(instance / "storage")),
        # s3://bucket/prefix: the store on an S3-compatible service (endpoint, keys and region
        # from boto3's environment: AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, ...); unset: STORAGE_DIR
        "STORAGE_URL": os.environ.get("EOFFICE_STORAGE_URL", ""),
        #: CA certificates (*.crt/*.pem/*.cer) and CRLs (*.crl) trusted for signatures
        "TRUST_DIR": os.environ.get("EOFFICE_TRUST_DIR", str(instance / "pki" / "trust")),
        #: an RFC 3161 time-stamping service (a CCA-licensed TSA in production): set, letters
        #: are signed at PAdES B-LT (timestamp, revocation data embedded) and issued at B-LTA
        #: (a document timestamp); unset, at B-B (no timestamp: not for records kept long)
        "TSA_URL": os.environ.get("EOFFICE_TSA_URL") or None,
        #: the demo only: where `flask signing demo-services` serves the demo CA's TSA, OCSP
        #: and CRLs (certomancer); the demo certificates carry these addresses
        "DEMO_PKI_URL": os.environ.get("EOFFICE_DEMO_PKI_URL") or None,
        #: how many proxies (nginx) sit in front and set X-Forwarded-For; 0 when serving directly
        "PROXIES": _int("EOFFICE_PROXIES", 0),
        #: the proxies' own addresses: X-Forwarded-* is believed only from these (and from a
        #: Unix socket); a client that reaches gunicorn's port directly cannot spoof its address
        "PROXY_ADDRESSES": os.environ.get("EOFFICE_PROXY_ADDRESSES", "127.0.0.1,::1"),
        #: nightly backups by the job worker (unset: none), and how many are kept
        "BACKUP_DIR": os.environ.get("EOFFICE_BACKUP_DIR"),
        "BACKUP_KEEP_DAILY": _int("EOFFICE_BACKUP_KEEP_DAILY", 7),
        "BACKUP_KEEP_WEEKLY": _int("EOFFICE_BACKUP_KEEP_WEEKLY", 4),
        # pgBackRest for WAL archiving, base backups and point-in-time recovery (a system
        # PostgreSQL; eoffice/ops/pgbackrest.py): its stanza, its config file, and the OS user
        # it runs as when we are root
        "PGBACKREST_STANZA": os.environ.get("EOFFICE_PGBACKREST_STANZA", ""),
        "PGBACKREST_CONFIG": os.environ.get("EOFFICE_PGBACKREST_CONFIG", ""),
        "PGBACKREST_USER": os.environ.get("EOFFICE_PGBACKREST_USER", "postgres"),
        "UPLOAD_MAX_PAGES": _int("EOFFICE_UPLOAD_MAX_PAGES", 300),
        #: heavy requests (checking an upload, validating a copy on /verify) at once across all
        #: workers, and one per user or address; the rest are told "busy" at once
        "HEAVY_SLOTS": _int("EOFFICE_HEAVY_SLOTS", max(1, _workers() // 2)),
        #: each statement of a search is stopped after this long and the user asked to narrow it
        "SEARCH_TIMEOUT_MS": _int("EOFFICE_SEARCH_TIMEOUT_MS", 2000),
        #: searches that may run at once across the workers (each may take up to the timeout):
        #: the rest are told "busy" at once, so /login and the inbox keep answering
        "SEARCH_SLOTS": _int("EOFFICE_SEARCH_SLOTS", max(1, _workers() // 2)),
        #: the citizens' status page (/status), per hour: lookups from one address, and lookups
        #: of one diary number from anywhere (guessing the four digits runs out at this)
        "STATUS_LIMIT_PER_ADDRESS": _int("EOFFICE_STATUS_LIMIT_PER_ADDRESS", 30),
        "STATUS_LIMIT_PER_NUMBER": _int("EOFFICE_STATUS_LIMIT_PER_NUMBER", 10),
        #: rows in one printed register (PDF); a longer period is asked to be split
        "REGISTER_PDF_ROWS": _int("EOFFICE_REGISTER_PDF_ROWS", 600),
        #: SMS to citizens (eoffice/citizens/sms.py); unset: none are sent
        "SMS_URL": os.environ.get("EOFFICE_SMS_URL"),
        "SMS_KEY": os.environ.get("EOFFICE_SMS_KEY"),
        "SMS_SENDER": os.environ.get("EOFFICE_SMS_SENDER"),
        "SMS_ENTITY_ID": os.environ.get("EOFFICE_SMS_ENTITY_ID"),
        "SMS_TEMPLATE_ACK": os.environ.get("EOFFICE_SMS_TEMPLATE_ACK"),
        "SMS_TEMPLATE_REPLY": os.environ.get("EOFFICE_SMS_TEMPLATE_REPLY"),
        "SMS_TIMEOUT_SECONDS": _int("EOFFICE_SMS_TIMEOUT_SECONDS", 10),
        # 40 megapixels: any phone photo; a decompression bomb is far larger.
        "UPLOAD_MAX_PIXELS": _int("EOFFICE_UPLOAD_MAX_PIXELS", 40_000_000),
        #: the office mailbox (eoffice/mailroom): a private CA for its server's certificate
        #: (unset: the system's CAs), and the largest message taken whole (in MB; larger: only
        #: its headers, and the dak clerk is told)
        "MAIL_CA_FILE": os.environ.get("EOFFICE_MAIL_CA_FILE") or None,
        "MAIL_MAX_BYTES": _int("EOFFICE_MAIL_MAX_MB", 25) * 1024 * 1024,
        # Email (optional): movement notices and the daily pendency digest.
        "SMTP_HOST": os.environ.get("EOFFICE_SMTP_HOST"),
        "SMTP_PORT": _int("EOFFICE_SMTP_PORT", 25),
        "SMTP_FROM": os.environ.get("EOFFICE_SMTP_FROM", "eoffice@localhost"),
        "SMTP_USER": os.environ.get("EOFFICE_SMTP_USER"),
        "SMTP_PASSWORD": os.environ.get("EOFFICE_SMTP_PASSWORD"),
        "SMTP_STARTTLS": os.environ.get("EOFFICE_SMTP_STARTTLS") == "1",
        # How emails link back to the office: the address users type in the browser.
        "BASE_URL": os.environ.get("EOFFICE_BASE_URL", "http://127.0.0.1:5000"),
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "COMPRESS_MIN_SIZE": 400,
        "COMPRESS_MIMETYPES": [
            "text/html",
            "text/css",
            "text/javascript",
            "application/javascript",
            "application/json",
            "image/svg+xml",
        ],
    }
