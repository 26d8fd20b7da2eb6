"""The office mailbox over IMAP (Python's imaplib): TLS always (implicit, or STARTTLS), the
server's certificate checked against the system's CAs (or EOFFICE_MAIL_CA_FILE, for a private
one), a timeout on every socket operation, messages read with BODY.PEEK so that nothing is marked
seen until the receipt made from it is committed (`done`)."""

from __future__ import annotations

import contextlib
import imaplib
import re
import ssl
from dataclasses import dataclass

#: seconds for connecting and for each read: a mail server that hangs never holds the worker
TIMEOUT = 15
#: unseen messages looked at per check (the rest wait for the next)
BATCH = 500


class MailboxError(Exception):
    """The mailbox could not be read: `code` is one of mailroom.services.PROBLEMS."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(code, detail)
        self.code = code
        self.detail = detail[:300]


@dataclass
class Settings:
    host: str
    port: int
    security: str
    username: str
    password: str
    folder: str = "INBOX"
    move_to: str | None = None
    ca_file: str | None = None


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Connection:
    def __init__(self, s: Settings, timeout: float = TIMEOUT):
        self.s = s
        context = ssl.create_default_context(cafile=s.ca_file or None)
        try:
            if s.security == "ssl":
                self.imap = imaplib.IMAP4_SSL(s.host, s.port, ssl_context=context, timeout=timeout)
            else:
                self.imap = imaplib.IMAP4(s.host, s.port, timeout=timeout)
                self.imap.starttls(context)
        except ssl.SSLCertVerificationError as e:
            raise MailboxError("certificate", str(e)) from None
        except (OSError, imaplib.IMAP4.error) as e:
            raise MailboxError("connect", str(e)) from None
        try:
            if (s.username + s.password).isascii():
                self.imap.login(s.username, s.password)
            else:  # LOGIN is ASCII only; SASL PLAIN carries UTF-8
                plain = f"\0{s.username}\0{s.password}".encode()
                self.imap.authenticate("PLAIN", lambda _challenge: plain)
        except imaplib.IMAP4.error as e:
            self.close()
            raise MailboxError("login", str(e)) from None
        except OSError as e:
            raise MailboxError("connect", str(e)) from None
        typ, data = self._call(self.imap.select, _quote(s.folder))
        if typ != "OK":
            self.close()
            raise MailboxError("folder", s.folder)
        typ, data = self._call(self.imap.capability)  # after login the server says more
        self.moves = b"MOVE" in (data[0] or b"").upper().split() if typ == "OK" and data else False
        self.uidvalidity = self._uidvalidity()

    def _call(self, fn, *args):
        try:
            return fn(*args)
        except (OSError, imaplib.IMAP4.error) as e:  # a timeout is an OSError
            raise MailboxError("connect", str(e)) from None

    def _uidvalidity(self) -> str:
        typ, data = self._call(self.imap.response, "UIDVALIDITY")
        return (data[0].decode() if data and data[0] else "0") if typ == "UIDVALIDITY" else "0"

    def unseen(self) -> list[int]:
        typ, data = self._call(self.imap.uid, "SEARCH", None, "UNSEEN")
        if typ != "OK":
            raise MailboxError("connect", "SEARCH")
        return sorted(int(u) for u in (data[0] or b"").split())

    def sizes_and_ids(self, uids: list[int]) -> dict[int, tuple[int, str | None]]:
        """uid → (size in bytes, Message-ID or None), without reading any message's body."""
        out: dict[int, tuple[int, str | None]] = {}
        if not uids:
            return out
        typ, data = self._call(
            self.imap.uid,
            "FETCH",
            ",".join(str(u) for u in uids),
            "(RFC822.SIZE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])",
        )
        for item in data or []:
            if not isinstance(item, tuple):
                continue
            meta, header = item[0].decode("ascii", "replace"), item[1]
            uid = re.search(r"UID (\d+)", meta)
            size = re.search(r"RFC822\.SIZE (\d+)", meta)
            if not uid:
                continue
            mid = re.search(rb"(?im)^message-id:\s*(.+(?:\r?\n[ \t].+)*)", header or b"")
            value = mid.group(1).decode("utf-8", "replace").split() if mid else []
            out[int(uid.group(1))] = (
                int(size.group(1)) if size else 0,
                value[0] if value else None,
            )
        return out

    def fetch(self, uid: int, *, headers_only: bool = False) -> bytes:
        what = "(BODY.PEEK[HEADER])" if headers_only else "(BODY.PEEK[])"
        typ, data = self._call(self.imap.uid, "FETCH", str(uid), what)
        for item in data or []:
            if isinstance(item, tuple):
                return item[1]
        raise MailboxError("connect", f"FETCH {uid}")

    def done(self, uid: int) -> None:
        """After the receipt is committed: moved to the folder named, or marked seen."""
        if self.s.move_to:
            if self.moves:
                self._call(self.imap.uid, "MOVE", str(uid), _quote(self.s.move_to))
                return
            self._call(self.imap.uid, "COPY", str(uid), _quote(self.s.move_to))
            self._call(self.imap.uid, "STORE", str(uid), "+FLAGS", "(\\Seen \\Deleted)")
            return
        self._call(self.imap.uid, "STORE", str(uid), "+FLAGS", "(\\Seen)")

    def close(self) -> None:
        with contextlib.suppress(Exception):  # already gone
            self.imap.logout()
