"""The playground signs and verifies with the types the core declares, served by the
dashboard (``/api/eip712``), never a copy in the front-end's scripts."""

from __future__ import annotations

import re
from pathlib import Path

from modelmint.dashboard.views.signing import signed_types
from modelmint.hashing import keccak
from modelmint.provenance import Served
from modelmint.receipts import Receipt

STATIC = Path(__file__).resolve().parents[2] / "modelmint" / "dashboard" / "static"


def _type_hash(name: str, members: list[dict[str, str]]) -> bytes:
    return keccak(text=f"{name}(" + ",".join(f"{m['type']} {m['name']}" for m in members) + ")")


def test_signed_types__served_document__type_hashes_of_the_core_structs():
    types = signed_types()
    assert _type_hash("Receipt", types["Receipt"]) == Receipt.type_hash()
    assert _type_hash("Served", types["Served"]) == Served.type_hash()
    assert [m["name"] for m in types["EIP712Domain"]] == [
        "name",
        "version",
        "chainId",
        "verifyingContract",
    ]


def test_front_end__static_scripts__declare_no_signed_member_type():
    members = {m["name"] for struct in ("Receipt", "Served") for m in signed_types()[struct]}
    declared = re.compile(r"name:\s*[\"'](\w+)[\"']\s*,\s*type:")
    for script in STATIC.glob("*.js"):
        copied = set(declared.findall(script.read_text())) & members
        assert not copied, f"{script.name} declares {sorted(copied)}: read /api/eip712"
