"""One process per role on an embedded store file: a server (``serve``) and a settler
(``settle``, or the server's in-process settler) each hold an exclusive lock file next to
the SQLite store (``<store>.serve.lock``, ``<store>.settle.lock``), so a second gateway
process on the same store file is refused at start instead of keeping a second ledger.
The operating system releases the locks when the process dies (``kill -9`` included).

    >>> locks = StoreLocks.acquire(Path("gateway.sqlite3"), ("serve", "settle"))
    >>> locks.release()
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from modelmint.gateway.errors import StartupError


@dataclass
class StoreLocks:
    """The lock files this process holds (released by :meth:`release` or by its death)."""

    held: list[int] = field(default_factory=list)

    @classmethod
    def acquire(cls, store: Path, roles: Sequence[str]) -> StoreLocks:
        locks = cls()
        for role in roles:
            path = store.with_name(f"{store.name}.{role}.lock")
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                locks.release()
                owner = path.read_text().strip() or "another process"
                raise StartupError(
                    f"{owner} already runs the {role} role on the store {store} "
                    f"({path} is locked): one gateway process per store file"
                ) from None
            os.ftruncate(fd, 0)
            os.write(fd, f"process {os.getpid()}".encode())
            locks.held.append(fd)
        return locks

    def release(self) -> None:
        for fd in self.held:
            os.close(fd)
        self.held.clear()
