"""Hand-packed storage words: every bit offset and width a packed-word library declares
(`contracts/packed/<Struct>Words.sol`) equals where solc lays the struct's field out (the
compiler's `storageLayout`), so a reordered or resized field cannot silently desynchronise the
typed accessors from the struct the contracts declare their storage with."""

import json
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
BRIDGE = ROOT / "tools" / "solc-bridge" / "solc-bridge.js"

# (file declaring the offsets, the struct as that file names it) -> the struct's hand-packed
# slots, each as the fields it holds. A field's bit offset is the file's `<FIELD>_OFFSET`
# constant (`modelId` -> `MODEL_ID_OFFSET`) and its width, when declared, `<FIELD>_BITS`.
PACKED = {
    ("contracts/packed/OwnershipWords.sol", "TokenOwnership"): [("owner", "data")],
    ("contracts/packed/ModelRecordWords.sol", "ModelRecord"): [
        ("versionCount", "status", "flags", "registeredAt", "ownerEpoch"),
    ],
    ("contracts/packed/GatewayGrantWords.sol", "GatewayGrant"): [("owner", "epoch", "granted")],
    ("contracts/packed/OfferWords.sol", "ILicenseManager.Offer"): [
        ("modelId", "price", "duration", "versionPin"),
        ("supplyCap", "sold", "saleEnds", "commercial", "transferable", "paused"),
    ],
    ("contracts/packed/HoldingWords.sol", "Holding"): [
        ("boundCommercial", "boundPersonal", "transferableCommercial", "transferablePersonal"),
    ],
    ("contracts/packed/ModelAccountWords.sol", "ModelAccount"): [
        ("accPerWeight", "totalWeight", "epoch", "assetKind"),
    ],
    ("contracts/packed/EntryWords.sol", "Entry"): [("weight", "epoch", "hasOwed", "snapshot")],
    ("contracts/packed/AssetBookWords.sol", "AssetBook"): [("liabilities", "fees")],
    ("contracts/packed/ChannelWords.sol", "ChannelRecord"): [
        ("consumer", "deposit", "expiry"),
        ("gateway", "settled", "modelId"),
    ],
    ("contracts/packed/HolderWords.sol", "Holder"): [
        ("balance", "votes", "votesBlock", "pastCount"),
    ],
    ("contracts/packed/RevenueWords.sol", "Revenue"): [("correction", "flags")],
    ("contracts/packed/TotalsWords.sol", "Totals"): [("supply", "supplyBlock", "observed", "flags")],
    ("contracts/packed/ScheduleWords.sol", "Schedule"): [("locked", "start", "end")],
}
CONSTANT = re.compile(r"uint256 (?:private|internal) constant (\w+) = (\d+);")


def _constants(path: str) -> dict[str, int]:
    return {name: int(value) for name, value in CONSTANT.findall((ROOT / path).read_text())}


def _snake(field: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", field).upper()


def _declared(key: tuple[str, str], constants: dict[str, int]) -> dict[str, tuple]:
    """field -> (slot, bit offset, width in bits or None) as `key`'s file declares them."""
    return {
        field: (slot, constants.get(f"{_snake(field)}_OFFSET"), constants.get(f"{_snake(field)}_BITS"))
        for slot, fields in enumerate(PACKED[key])
        for field in fields
    }


def _mismatches(members: dict[str, tuple], declared: dict[str, tuple]) -> list[str]:
    """What `declared` gets wrong about solc's `members` (field -> (slot, bit offset, bits))."""
    wrong = [
        f"{field}: declared {mine}, solc {members.get(field)}"
        for field, mine in declared.items()
        if field not in members
        or mine[:2] != members[field][:2]
        or mine[2] not in (None, members[field][2])
    ]
    slots = {slot for slot, _, _ in declared.values()}
    # every field of a hand-packed slot is declared (a new field needs its offset too)
    wrong += [
        f"{field}: in hand-packed slot {slot}, not declared"
        for field, (slot, _, _) in members.items()
        if slot in slots and field not in declared
    ]
    return wrong


@pytest.fixture(scope="module")
def layouts() -> dict[tuple[str, str], dict[str, tuple]]:
    """solc's layout of every struct in PACKED, field -> (slot, bit offset, bits), from one
    bridge run over a probe contract per struct that stores one of it."""
    probes = {
        f"probe/Probe{i}.sol": (
            key,
            f'import "{key[0]}";\ncontract Probe{i} {{ {key[1]} private s; }}\n',
        )
        for i, key in enumerate(sorted(PACKED))
    }
    request = {
        "language": "Solidity",
        "sources": {
            name: {"content": "pragma solidity 0.8.30;\n" + src}
            for name, (_, src) in probes.items()
        },
        "settings": {
            "remappings": ["@openzeppelin/contracts/=node_modules/@openzeppelin/contracts/"],
            "evmVersion": "cancun",
            "outputSelection": {name: {"*": ["storageLayout"]} for name in probes},
        },
    }
    run = subprocess.run(
        ["node", str(BRIDGE), "--standard-json", "--base-path", ".", "--allow-paths", "."],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=True,
    )
    out = json.loads(run.stdout)
    errors = [e for e in out.get("errors", []) if e["severity"] == "error"]
    assert not errors, errors
    result = {}
    for name, (key, _) in probes.items():
        [layout] = out["contracts"][name].values()
        types = layout["storageLayout"]["types"]
        [struct] = layout["storageLayout"]["storage"]
        result[key] = {
            m["label"]: (
                int(m["slot"]),
                8 * m["offset"],
                8 * int(types[m["type"]]["numberOfBytes"]),
            )
            for m in types[struct["type"]]["members"]
        }
    return result


@pytest.mark.parametrize("key", sorted(PACKED), ids=lambda key: key[1])
def test_storage_layout__declared_bit_offsets__equal_solc_layout(layouts, key):
    assert _mismatches(layouts[key], _declared(key, _constants(key[0]))) == []


def test_storage_layout__wrong_offset_or_width_constant__is_caught(layouts):
    key = ("contracts/packed/OfferWords.sol", "ILicenseManager.Offer")
    constants = _constants(key[0])
    assert _mismatches(layouts[key], _declared(key, constants)) == []
    for name in ("SOLD_OFFSET", "PRICE_BITS"):
        wrong = {**constants, name: constants[name] + 8}
        [mismatch] = _mismatches(layouts[key], _declared(key, wrong))
        assert mismatch.startswith(("sold:", "price:"))
    missing = {k: v for k, v in constants.items() if k != "PAUSED_OFFSET"}
    assert _mismatches(layouts[key], _declared(key, missing)) == [
        f"paused: declared (1, None, 8), solc {layouts[key]['paused']}"
    ]


def test_holding_words__class_offsets__follow_from_the_pair_layout():
    # HoldingWords.offsetOf computes a class's field branch-free from two distances: personal
    # sits the same distance above commercial in both pairs.
    c = _constants("contracts/packed/HoldingWords.sol")
    personal = c["BOUND_PERSONAL_OFFSET"] - c["BOUND_COMMERCIAL_OFFSET"]
    assert c["TRANSFERABLE_PERSONAL_OFFSET"] - c["TRANSFERABLE_COMMERCIAL_OFFSET"] == personal
