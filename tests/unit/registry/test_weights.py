"""modelmint.weights: streamed sha256 of a real file, and registering a model with it."""

import hashlib
import os
import tracemalloc

import pytest
from ape.utils import ZERO_ADDRESS
from hypothesis import given
from hypothesis import strategies as st

from modelmint.weights import CHUNK_SIZE, main, weights_hash, weights_hash_hex

SIZE = 6 * 1024 * 1024 + 12_345  # several MB and not a multiple of the chunk size


@pytest.fixture(scope="module")
def weights_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("weights") / "model.safetensors"
    block = os.urandom(1 << 20)
    with open(path, "wb") as f:
        written = 0
        while written < SIZE:
            piece = block[: min(len(block), SIZE - written)]
            f.write(piece)
            written += len(piece)
    return path


def test_weights_hash__multi_mb_file__matches_hashlib_on_whole_content(weights_file):
    content = weights_file.read_bytes()
    assert len(content) == SIZE
    expected = hashlib.sha256(content).digest()
    assert weights_hash(weights_file) == expected
    assert weights_hash_hex(weights_file) == "0x" + expected.hex()
    assert len(weights_hash(weights_file)) == 32


@pytest.mark.parametrize("chunk_size", [1, 4096, 1 << 20, SIZE, SIZE + 1])
def test_weights_hash__any_chunk_size__same_hash(weights_file, chunk_size):
    if chunk_size == 1:
        # Byte-by-byte on a small prefix copy keeps the test fast.
        small = weights_file.parent / "small.bin"
        small.write_bytes(weights_file.read_bytes()[:3000])
        assert weights_hash(small, chunk_size=1) == hashlib.sha256(small.read_bytes()).digest()
        return
    assert weights_hash(weights_file, chunk_size=chunk_size) == weights_hash(weights_file)


def test_weights_hash__streams_in_constant_memory(weights_file):
    chunk = 64 * 1024
    tracemalloc.start()
    try:
        weights_hash(weights_file, chunk_size=chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The file is > 6 MB; hashing it must hold no more than a few chunks at once.
    assert peak < 4 * chunk


def test_weights_hash__empty_file__sha256_of_nothing(tmp_path):
    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    assert weights_hash(empty) == hashlib.sha256(b"").digest()


def test_weights_hash__bad_chunk_size__raises(weights_file):
    with pytest.raises(ValueError):
        weights_hash(weights_file, chunk_size=0)


def test_weights_hash__missing_file__raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        weights_hash(tmp_path / "nope.bin")


@given(content=st.binary(max_size=3 * 4096), chunk_size=st.integers(min_value=1, max_value=5000))
def test_weights_hash__random_content_and_chunking__equals_hashlib(
    tmp_path_factory, content, chunk_size
):
    path = tmp_path_factory.mktemp("prop") / "w.bin"
    path.write_bytes(content)
    assert weights_hash(path, chunk_size=chunk_size) == hashlib.sha256(content).digest()


def test_main__prints_hash_per_file_and_flags_missing(weights_file, tmp_path, capsys):
    assert main([str(weights_file)]) == 0
    out = capsys.readouterr().out
    assert out == f"{weights_hash_hex(weights_file)}  {weights_file}\n"
    assert main([str(weights_file), str(tmp_path / "missing.bin")]) == 1
    captured = capsys.readouterr()
    assert captured.out.count("0x") == 1
    assert "missing.bin" in captured.err
    assert main([]) == 2


def test_chunk_size__default__one_mebibyte():
    assert CHUNK_SIZE == 1 << 20


def test_registerModel__real_weights_file__stores_its_hash(registry, model_owner, weights_file):
    digest = weights_hash(weights_file)
    tx = registry.registerModel(
        ZERO_ADDRESS, digest, "ipfs://weights", "ipfs://card", sender=model_owner
    )
    model_id = tx.return_value
    assert registry.versionHash(model_id, 1) == digest
    assert registry.latestVersion(model_id) == (1, digest)
    [ev] = tx.decode_logs(registry.VersionPublished)
    assert ev.weightsHash == digest
    # A new file becomes version 2; version 1 keeps the original hash.
    with open(weights_file, "rb") as f:
        tail = f.read()[-1000:]
    v2 = weights_file.parent / "model-v2.safetensors"
    v2.write_bytes(tail)
    registry.publishVersion(model_id, weights_hash(v2), "ipfs://weights-v2", sender=model_owner)
    assert registry.versionHash(model_id, 2) == hashlib.sha256(tail).digest()
    assert registry.versionHash(model_id, 1) == digest
