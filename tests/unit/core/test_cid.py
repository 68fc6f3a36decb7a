"""Weights CIDs equal what IPFS computes: kubo's published vectors, and the IPFS project's own
UnixFS importer (npm `ipfs-unixfs-importer`, run by node) on files of every DAG shape.
No IPFS node runs offline here, so the importer is the oracle for multi-block files."""

import random
import subprocess
from pathlib import Path

import pytest

from modelmint.cid import CHUNK_SIZE, MAX_LINKS, cid_of_bytes, cid_of_file, main

ORACLE = Path(__file__).with_name("unixfs_oracle.mjs")
ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("content", "cid"),
    [
        # kubo test/sharness/t0114-gateway-subdomains: `echo hello | ipfs add --cid-version 1`
        (b"hello\n", "bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am"),
        # the raw block of no bytes (sha2-256 of the empty string)
        (b"", "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"),
    ],
)
def test_cid_of_bytes__kubo_vectors__equal(content, cid):
    assert cid_of_bytes(content) == cid


SIZES = {
    "one byte": 1,
    "one chunk less a byte": CHUNK_SIZE - 1,
    "exactly one chunk (a raw leaf)": CHUNK_SIZE,
    "one chunk and a byte (first dag-pb node)": CHUNK_SIZE + 1,
    "a few chunks, last one short": 3 * CHUNK_SIZE + 5,
    "a full node of 174 leaves": MAX_LINKS * CHUNK_SIZE,
    "one byte past a full node (two levels)": MAX_LINKS * CHUNK_SIZE + 1,
}


def test_cid_of_file__every_dag_shape__equals_ipfs_importer(tmp_path):
    rng = random.Random(20261207)
    paths = []
    for size in SIZES.values():
        path = tmp_path / f"{size}.bin"
        path.write_bytes(rng.randbytes(size))
        paths.append(path)
    oracle = subprocess.run(
        ["node", str(ORACLE), *map(str, paths)],
        capture_output=True,
        text=True,
        cwd=ROOT,  # node_modules of the project
        check=True,
    )
    expected = oracle.stdout.split()
    assert len(expected) == len(paths), oracle.stderr
    got = [cid_of_file(p) for p in paths]
    assert dict(zip(SIZES, got, strict=True)) == dict(zip(SIZES, expected, strict=True))


def test_cid_of_file__same_bytes__equals_cid_of_bytes(tmp_path):
    content = random.Random(1).randbytes(2 * CHUNK_SIZE + 17)
    path = tmp_path / "w.bin"
    path.write_bytes(content)
    assert cid_of_file(path) == cid_of_bytes(content)
    assert cid_of_bytes(content) != cid_of_bytes(content[:-1] + b"\x00")


def test_main__files_and_a_missing_one__cids_then_exit_1(tmp_path, capsys):
    path = tmp_path / "hello.txt"
    path.write_bytes(b"hello\n")
    assert main([str(path), str(tmp_path / "missing")]) == 1
    out, err = capsys.readouterr()
    assert out == f"bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am  {path}\n"
    assert "missing" in err
