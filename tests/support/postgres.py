"""A real PostgreSQL server for tests and benchmarks: initdb into a temporary folder as an
unprivileged user, listening on 127.0.0.1 only (a free port), unix sockets in that folder.

PostgreSQL refuses to run as root; as root we run its programs as the `postgres` user (Debian's
package creates it) or else `nobody`. The cluster's superuser `drafter` has a password, so the
addresses tests use carry one, as a deployment's do. `stop()`/`start()` simulate an outage.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

USER = "drafter"
PASSWORD = "pg-secret-Zq7"  # the tests check it never shows in messages or logs
START_LIMIT = 60.0


def bin_dir() -> Path | None:
    """Where initdb and pg_ctl are: on PATH, or Debian's /usr/lib/postgresql/<version>/bin."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version_key)
    return Path(versions[-1]).parent if versions else None


def _version_key(path: str) -> float:
    try:
        return float(Path(path).parent.parent.name)
    except ValueError:
        return 0.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _runas_user() -> str | None:
    """The unprivileged account to run PostgreSQL as (None: we are not root, run it ourselves)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("no unprivileged user (postgres or nobody) to run PostgreSQL as")


class PostgresServer:
    def __init__(self, durable: bool = False, max_connections: int = 200) -> None:
        folder = bin_dir()
        if folder is None:
            raise FileNotFoundError("PostgreSQL programs (initdb, pg_ctl) not found")
        self.bin = folder
        self.user = _runas_user()
        self.root = Path(tempfile.mkdtemp(prefix="drafter-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = _free_port()
        self.durable = durable
        self.max_connections = max_connections
        if self.user:
            info = pwd.getpwnam(self.user)
            os.chown(self.root, info.pw_uid, info.pw_gid)
        os.chmod(self.root, 0o700)
        pwfile = self.root / "pw"
        pwfile.write_text(PASSWORD + "\n", encoding="utf-8")
        if self.user:
            os.chown(pwfile, pwd.getpwnam(self.user).pw_uid, -1)
        self._run(
            "initdb", "-D", str(self.data), "-U", USER, f"--pwfile={pwfile}", "-E", "UTF8",
            "--locale=C.UTF-8", "--auth-local=trust", "--auth-host=scram-sha-256",
        )
        pwfile.unlink()

    # ---- control -----------------------------------------------------------------------
    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin / program), *args]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, check=check, timeout=120, cwd=self.root)

    def start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} "
            f"-c max_connections={self.max_connections}"
        )
        if not self.durable:
            # Tests: no fsync. Each commit still writes its WAL to the OS before it returns, so
            # a killed server recovers every acknowledged commit (only a machine crash loses).
            options += " -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w",
                  "-t", str(int(START_LIMIT)), "start")
        deadline = time.monotonic() + START_LIMIT
        while not self.accepting():
            if time.monotonic() > deadline:
                raise TimeoutError(f"PostgreSQL did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.2)

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; mode "immediate" is a crash (no checkpoint, recovery on start)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def accepting(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    # ---- databases -----------------------------------------------------------------------
    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{database}"

    def new_database(self, prefix: str = "t") -> str:
        """A fresh, empty database; its address (with the password)."""
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def __enter__(self) -> PostgresServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.destroy()
