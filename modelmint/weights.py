"""Weights content hashing: the ``weightsHash`` a model version publishes in the ModelRegistry.

The hash is the plain sha256 of the file's bytes, so anyone can check a download with
``sha256sum``. The file is read in fixed-size chunks, so a multi-GB weights file is hashed in
constant memory.

    >>> from modelmint.weights import weights_hash, weights_hash_hex
    >>> weights_hash("model.safetensors")        # 32 bytes, pass straight to registerModel
    >>> weights_hash_hex("model.safetensors")    # "0x..." for the CLI / JSON records

From a shell: ``python -m modelmint.weights FILE [FILE ...]`` prints ``0x<hash>  FILE`` lines.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable, Sequence

CHUNK_SIZE = 1 << 20  # 1 MiB: large enough for throughput, small enough to never matter


def weights_hash(path: str | os.PathLike[str], chunk_size: int = CHUNK_SIZE) -> bytes:
    """Returns the sha256 of the file at ``path`` as 32 bytes (a Solidity ``bytes32``).

    Reads at most ``chunk_size`` bytes at a time into one reused buffer.
    """
    if chunk_size <= 0:
        raise ValueError(f"chunk_size must be positive, got {chunk_size}")
    digest = hashlib.sha256()
    buffer = bytearray(chunk_size)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as f:
        while True:
            n = f.readinto(buffer)
            if not n:
                break
            digest.update(view[:n])
    return digest.digest()


def weights_hash_hex(path: str | os.PathLike[str], chunk_size: int = CHUNK_SIZE) -> str:
    """Returns the weights hash as a ``0x``-prefixed hex string (66 characters)."""
    return "0x" + weights_hash(path, chunk_size).hex()


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point: prints ``0x<hash>  <path>`` per file; exit code 1 if a file is missing."""
    return per_file(argv, weights_hash_hex, "python -m modelmint.weights FILE [FILE ...]")


def per_file(argv: Sequence[str] | None, describe: Callable[[str], str], usage: str) -> int:
    """A file command: prints ``describe(path)  path`` per file of ``argv`` (default: the
    command line); exit code 1 if a file cannot be read, 2 without files."""
    paths = list(sys.argv[1:] if argv is None else argv)
    if not paths:
        print(f"usage: {usage}", file=sys.stderr)
        return 2
    status = 0
    for path in paths:
        try:
            print(f"{describe(path)}  {path}")
        except OSError as exc:
            print(f"error: {path}: {exc.strerror or exc}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
