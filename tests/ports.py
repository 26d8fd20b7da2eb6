"""Free local ports for the servers the tests start (gunicorn, Dovecot, SeaweedFS, PostgreSQL,
etcd, Patroni): asked of the kernel together, so that one call never gets the same port twice."""

from __future__ import annotations

import socket


def free_ports(n: int) -> list[int]:
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def free_port() -> int:
    return free_ports(1)[0]
