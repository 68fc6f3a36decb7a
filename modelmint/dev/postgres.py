"""A throwaway PostgreSQL server for tests and benchmarks: Debian's ``postgresql`` binaries,
a cluster in a temporary directory, a free TCP port on 127.0.0.1, no system service touched.

    >>> with PostgresServer.start() as pg:        # initdb + pg_ctl start, waits until ready
    ...     pg.url                                # 'postgresql://modelmint@127.0.0.1:54123/modelmint'
    ...     pg.kill()                             # kill -9 of the postmaster (a crash)
    ...     pg.restart()                          # crash recovery, same port and data

The server refuses to run as root, so under root (CI containers) every server command runs as
the unprivileged ``postgres`` account the Debian package creates, and the cluster directory is
handed to it. Authentication is ``trust`` on 127.0.0.1 only; the data dies with the directory.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import TracebackType

from modelmint.dev.testing import wait_until
from modelmint.errors import ModelmintError

USER = "modelmint"
DATABASE = "modelmint"
# The account the server runs as when we are root (created by Debian's postgresql package).
SERVICE_ACCOUNT = "postgres"
INSTALL_HINT = "apt-get install -y postgresql (or `make postgresql`)"


class PostgresErrorCode(StrEnum):
    POSTGRES_UNAVAILABLE = "postgres_unavailable"


class PostgresUnavailable(ModelmintError):
    """No PostgreSQL server binaries on this machine, or the server would not start."""

    def __init__(self, message: str):
        super().__init__(PostgresErrorCode.POSTGRES_UNAVAILABLE, message)


def bin_dir() -> Path:
    """Debian's server binaries (``/usr/lib/postgresql/<major>/bin``), the newest major."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parent.parent.name),
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise PostgresUnavailable(f"no PostgreSQL server binaries (initdb); install: {INSTALL_HINT}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostgresServer:
    """One running cluster; :meth:`start` creates it, :meth:`stop` removes it."""

    root: Path
    port: int
    bindir: Path
    as_service_account: bool
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.root / "server.log"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{DATABASE}"

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    def start(cls, port: int | None = None, timeout: float = 120.0) -> PostgresServer:
        bindir = bin_dir()
        root = Path(tempfile.mkdtemp(prefix="modelmint-pg-"))
        server = cls(root, port or free_port(), bindir, as_service_account=os.geteuid() == 0)
        try:
            if server.as_service_account:
                shutil.chown(root, SERVICE_ACCOUNT, SERVICE_ACCOUNT)
            server._run(
                "initdb",
                "-D",
                str(server.data),
                "-U",
                USER,
                "--auth=trust",
                "--encoding=UTF8",
                "--no-sync",
            )
            with (server.data / "postgresql.conf").open("a") as conf:
                conf.write(
                    f"listen_addresses = '127.0.0.1'\nport = {server.port}\n"
                    f"unix_socket_directories = '{root}'\nmax_connections = 200\n"
                    # A test cluster: no fsync (the data dies with the directory, and a
                    # killed server loses nothing the OS already holds); commits still wait
                    # for their WAL write, so a crashed server recovers every commit.
                    "fsync = off\nfull_page_writes = off\n"
                )
            server._pg_ctl_start(timeout)
            server._run("createdb", "-h", "127.0.0.1", "-p", str(server.port), "-U", USER, DATABASE)
        except BaseException:
            server.stop()
            raise
        return server

    def _pg_ctl_start(self, timeout: float) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "120", "start")
        wait_until(
            self.accepts_connections, timeout=timeout, what="PostgreSQL accepting connections"
        )

    def accepts_connections(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                pass
        except OSError:
            return False
        probe = subprocess.run(
            [
                str(self.bindir / "pg_isready"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                USER,
                "-d",
                "postgres",
            ],
            capture_output=True,
        )
        return probe.returncode == 0

    def postmaster_pid(self) -> int | None:
        pidfile = self.data / "postmaster.pid"
        try:
            return int(pidfile.read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    def kill(self) -> None:
        """``kill -9`` of the postmaster: a crash, as a power cut looks to the clients.
        Returns once its backends, which exit when they notice, are gone too (a new
        postmaster refuses to start while they hold the old shared memory)."""
        pid = self.postmaster_pid()
        if pid is None or not _alive(pid):
            return
        children = _children(pid)
        os.kill(pid, signal.SIGKILL)
        wait_until(
            lambda: not any(_alive(p) for p in (pid, *children)),
            timeout=60,
            what=f"postmaster {pid} and its {len(children)} server processes gone",
        )
        # The dead postmaster may linger as a zombie until init reaps it, and a new one would
        # take that for a live server: its lock files go, as after a power cut.
        (self.data / "postmaster.pid").unlink(missing_ok=True)
        for stale in self.root.glob(f".s.PGSQL.{self.port}*"):
            stale.unlink(missing_ok=True)

    def restart(self, timeout: float = 120.0) -> None:
        """Start again on the same port and data (after :meth:`kill`: crash recovery)."""
        if self.postmaster_pid() is not None and _alive(self.postmaster_pid()):
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        self._pg_ctl_start(timeout)

    def stop(self) -> None:
        """Stop the server (immediately) and remove its directory."""
        pid = self.postmaster_pid()
        if pid is not None and _alive(pid):
            subprocess.run(
                self._command("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop"),
                capture_output=True,
            )
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ internals

    def _command(self, tool: str, *args: str) -> list[str]:
        command = [str(self.bindir / tool), *args]
        if self.as_service_account:
            return ["runuser", "-u", SERVICE_ACCOUNT, "--", *command]
        return command

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run(self._command(tool, *args), capture_output=True, text=True)
        if done.returncode != 0:
            log = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise PostgresUnavailable(
                f"{tool} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}"
                + (f"\nserver log:\n{log}" if log else "")
            )


def _children(parent: int) -> list[int]:
    """Processes whose parent is ``parent`` (the postmaster's backends and workers)."""
    out = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1]) == parent:
                    out.append(int(proc.name))
            except (OSError, IndexError, ValueError):
                continue
    return out


def _alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False
