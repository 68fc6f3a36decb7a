"""IPFS content identifiers (CIDv1) of weights files, computed locally, no IPFS node.

The CID is the one ``ipfs add --cid-version 1 --raw-leaves`` prints with kubo's classic
defaults, so any IPFS node can serve the file and any client can check it:

- the file is cut into fixed 256 KiB chunks, each a ``raw`` block (CID codec 0x55);
- a file of one chunk is that block's CID;
- otherwise the chunks are linked by ``dag-pb`` (0x70) UnixFS ``File`` nodes, at most 174
  links each, in the balanced layout: every leaf at the same depth, each level packed from
  the left; a node's ``Data`` is UnixFS ``{Type: File, filesize, blocksizes}`` and each link
  carries the child's CID, an empty name and the child's cumulative block size (``Tsize``);
- every hash is sha2-256; the string is multibase base32 (``b...``).

The registry keeps the sha256 of the file as the binding commitment; the CID is where the
same bytes can be fetched and verified from.

    >>> cid_of_bytes(b"hello\\n")
    'bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am'
    >>> cid_of_file("model.onnx")          # streams: memory is O(chunks), not O(file)
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from modelmint.weights import per_file

CHUNK_SIZE = 262_144  # kubo's default fixed-size chunker
MAX_LINKS = 174  # kubo's balanced layout: links per dag-pb node

_RAW = 0x55
_DAG_PB = 0x70
_SHA2_256 = 0x12
_UNIXFS_FILE = 2


@dataclass(frozen=True)
class _Block:
    """A node of the file's DAG as its parent links it."""

    cid: bytes  # binary CIDv1
    file_size: int  # bytes of the file below this node
    tree_size: int  # bytes of every block below and including this node (the link's Tsize)


def cid_of_bytes(data: bytes) -> str:
    """The CIDv1 of ``data`` as a file."""
    return _cid_string(_root(_leaves(_chunks_of(data))))


def cid_of_file(path: str | Path) -> str:
    """The CIDv1 of the file at ``path``, read in chunks."""
    with open(path, "rb") as stream:
        return _cid_string(_root(_leaves(_chunks_from(stream))))


def _chunks_of(data: bytes) -> Iterator[bytes]:
    if not data:
        yield b""
    for start in range(0, len(data), CHUNK_SIZE):
        yield data[start : start + CHUNK_SIZE]


def _chunks_from(stream: BinaryIO) -> Iterator[bytes]:
    first = True
    while chunk := _read_full(stream, CHUNK_SIZE):
        first = False
        yield chunk
    if first:
        yield b""


def _read_full(stream: BinaryIO, size: int) -> bytes:
    """``size`` bytes, or fewer only at the end of the stream (reads can come back short)."""
    parts, left = [], size
    while left:
        part = stream.read(left)
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _leaves(chunks: Iterable[bytes]) -> list[_Block]:
    return [_Block(_cid(_RAW, chunk), len(chunk), len(chunk)) for chunk in chunks]


def _root(level: list[_Block]) -> _Block:
    while len(level) > 1:
        level = [_node(level[i : i + MAX_LINKS]) for i in range(0, len(level), MAX_LINKS)]
    return level[0]


def _node(children: list[_Block]) -> _Block:
    """A dag-pb UnixFS File node linking ``children`` (links first, then data)."""
    data = _field_varint(1, _UNIXFS_FILE) + _field_varint(3, sum(c.file_size for c in children))
    data += b"".join(_field_varint(4, c.file_size) for c in children)
    links = b"".join(
        _field_bytes(
            2, _field_bytes(1, c.cid) + _field_bytes(2, b"") + _field_varint(3, c.tree_size)
        )
        for c in children
    )
    encoded = links + _field_bytes(1, data)
    return _Block(
        _cid(_DAG_PB, encoded),
        sum(c.file_size for c in children),
        len(encoded) + sum(c.tree_size for c in children),
    )


def _cid(codec: int, block: bytes) -> bytes:
    digest = hashlib.sha256(block).digest()
    return _varint(1) + _varint(codec) + _varint(_SHA2_256) + _varint(len(digest)) + digest


def _cid_string(block: _Block) -> str:
    return "b" + base64.b32encode(block.cid).decode().lower().rstrip("=")


# ------------------------------------------------------------------ protobuf wire format


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field_varint(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def _field_bytes(number: int, value: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(value)) + value


def main(argv: list[str] | None = None) -> int:
    """``python -m modelmint.cid FILE...``: prints ``<cid>  <path>`` per file."""
    return per_file(argv, cid_of_file, "python -m modelmint.cid FILE [FILE ...]")


if __name__ == "__main__":
    raise SystemExit(main())
