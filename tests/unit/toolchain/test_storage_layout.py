"""Hand-packed storage words: every bit offset a packed-word library declares
(`contracts/packed/<Contract>Words.sol`), and every width its accessors read or mask a field
with, equals where and how wide solc lays the struct's field out (the compiler's
`storageLayout`), so a reordered or resized field cannot silently desynchronise the typed
accessors from the struct the contracts declare their storage with."""

import json
import re
import subprocess
from pathlib import Path

import pytest

from modelmint.dev.testing import WAIT_CEILING

ROOT = Path(__file__).resolve().parents[3]
BRIDGE = ROOT / "tools" / "solc-bridge" / "solc-bridge.js"

# (file declaring the offsets, the struct as that file names it) -> the struct's hand-packed
# slots, each as the fields it holds. A field's bit offset is the file's
# `<PREFIX><FIELD>_OFFSET` constant (`modelId` -> `MODEL_ID_OFFSET`), 0
# when the file declares none; its width is the type every accessor reads it as or masks it
# with (`uint32(w >> SOLD_OFFSET)`, `type(uint32).max << SOLD_OFFSET`): the struct and the cast
# say it, no constant repeats it.
OWNERSHIP = "contracts/packed/OwnershipWords.sol"
REGISTRY = "contracts/packed/ModelRegistryWords.sol"
LICENSES = "contracts/packed/LicenseManagerWords.sol"
ROUTER = "contracts/packed/RevenueRouterWords.sol"
CHANNELS = "contracts/packed/ChannelWords.sol"
SHARES = "contracts/packed/ModelSharesWords.sol"
PACKED = {
    (OWNERSHIP, "TokenOwnership"): [("owner", "data")],
    (REGISTRY, "ModelRecord"): [("versionCount", "status", "flags", "registeredAt", "ownerEpoch")],
    (REGISTRY, "GatewayGrant"): [("owner", "epoch", "granted")],
    (LICENSES, "ILicenseManager.Offer"): [
        ("modelId", "price", "duration", "versionPin"),
        ("supplyCap", "sold", "saleEnds", "commercial", "transferable", "paused"),
    ],
    (LICENSES, "Holding"): [
        ("boundCommercial", "boundPersonal", "transferableCommercial", "transferablePersonal"),
    ],
    (ROUTER, "ModelAccount"): [("accPerWeight", "totalWeight", "epoch", "assetKind")],
    (ROUTER, "Entry"): [("weight", "epoch", "hasOwed", "snapshot")],
    (ROUTER, "AssetBook"): [("liabilities", "fees")],
    (CHANNELS, "ChannelRecord"): [("deposit", "settled", "expiry")],
    (SHARES, "Holder"): [("balance", "votes", "votesBlock", "pastCount")],
    (SHARES, "Revenue"): [("correction", "flags")],
    (SHARES, "Totals"): [("supply", "supplyBlock", "observed", "flags")],
    (SHARES, "Schedule"): [("locked", "start", "end")],
    (SHARES, "PastVotes"): [("votes", "votesBlock", "nextVotes", "nextBlock")],
}
# Structs sharing a file with another that has a field of the same name prefix their constants.
PREFIX = {
    (REGISTRY, "GatewayGrant"): "GRANT_",
    (ROUTER, "Entry"): "ENTRY_",
    (ROUTER, "AssetBook"): "BOOK_",
    (SHARES, "Revenue"): "REVENUE_",
    (SHARES, "Totals"): "TOTALS_",
    (SHARES, "PastVotes"): "PAST_",
}
CONSTANT = re.compile(r"uint256 (?:private |internal )?constant (\w+_OFFSET) = (\d+);")
# A field read as `uintN(... >> X_OFFSET)` (also inside `address(...)`, an enum or `!= 0`) or
# masked as `type(uintN).max) << X_OFFSET`.
READ = re.compile(r"\bu?int(\d+)\((?:[\w.]+\([\w.]+\)|[\w.]+) >> (\w+_OFFSET)\)")
MASK = re.compile(r"type\(u?int(\d+)\)\.max\) << (\w+_OFFSET)\b")


def _constants(source: str) -> dict[str, int]:
    return {name: int(value) for name, value in CONSTANT.findall(source)}


def _widths(source: str) -> dict[str, set[int]]:
    """constant -> every width the accessors read or mask its field with."""
    widths: dict[str, set[int]] = {}
    for bits, name in READ.findall(source) + MASK.findall(source):
        widths.setdefault(name, set()).add(int(bits))
    return widths


def _snake(field: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", field).upper()


def _declared(key: tuple[str, str], source: str) -> dict[str, tuple]:
    """field -> (slot, bit offset, widths used) as `key`'s file declares them."""
    prefix, slots = PREFIX.get(key, ""), PACKED[key]
    constants, widths = _constants(source), _widths(source)
    names = {field: f"{prefix}{_snake(field)}_OFFSET" for fields in slots for field in fields}
    return {
        field: (slot, constants.get(names[field], 0), widths.get(names[field], set()))
        for slot, fields in enumerate(slots)
        for field in fields
    }


def _mismatches(members: dict[str, tuple], declared: dict[str, tuple]) -> list[str]:
    """What `declared` gets wrong about solc's `members` (field -> (slot, bit offset, bits))."""
    wrong = [
        f"{field}: declared {mine}, solc {members.get(field)}"
        for field, mine in declared.items()
        if field not in members
        or mine[:2] != members[field][:2]
        or not mine[2] <= {members[field][2]}
    ]
    slots = {slot for slot, _, _ in declared.values()}
    # every field of a hand-packed slot is declared (a new field needs its offset too)
    wrong += [
        f"{field}: in hand-packed slot {slot}, not declared"
        for field, (slot, _, _) in members.items()
        if slot in slots and field not in declared
    ]
    return wrong


def _source(key: tuple[str, str]) -> str:
    return (ROOT / key[0]).read_text()


def _compile(request: dict) -> dict:
    """The bridge's Standard JSON output for `request`; fails on a compile error."""
    run = subprocess.run(
        ["node", str(BRIDGE), "--standard-json", "--base-path", ".", "--allow-paths", "."],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=2 * WAIT_CEILING,
        check=True,
    )
    out = json.loads(run.stdout)
    errors = [e for e in out.get("errors", []) if e["severity"] == "error"]
    assert not errors, errors
    return out


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
    out = _compile(request)
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
    assert _mismatches(layouts[key], _declared(key, _source(key))) == []


def test_storage_layout__wrong_offset_or_width__is_caught(layouts):
    key = (LICENSES, "ILicenseManager.Offer")
    source = _source(key)
    assert _declared(key, source)["sold"][2] == {32}  # the width is read from the accessors
    wrong_offset = source.replace("SOLD_OFFSET = 32;", "SOLD_OFFSET = 40;")
    wrong_width = source.replace(
        "type(uint32).max) << SOLD_OFFSET", "type(uint64).max) << SOLD_OFFSET"
    )
    wrong_read = source.replace("uint96(a >> PRICE_OFFSET)", "uint128(a >> PRICE_OFFSET)")
    for wrong, field in ((wrong_offset, "sold"), (wrong_width, "sold"), (wrong_read, "price")):
        assert wrong != source
        [mismatch] = _mismatches(layouts[key], _declared(key, wrong))
        assert mismatch.startswith(f"{field}:")
    missing = source.replace("uint256 internal constant PAUSED_OFFSET = 144;", "")
    [mismatch] = _mismatches(layouts[key], _declared(key, missing))
    assert mismatch.startswith("paused: declared (1, 0, ")


def test_holding__class_offsets__follow_from_the_pair_layout():
    # LicenseManagerWords.offsetOf computes a class's field branch-free from two distances:
    # personal sits BOUND_PERSONAL_OFFSET above commercial in both pairs, the transferable pair
    # TRANSFERABLE_COMMERCIAL_OFFSET above the bound pair (boundCommercial at bit 0).
    c = _constants(_source((LICENSES, "Holding")))
    assert "BOUND_COMMERCIAL_OFFSET" not in c
    personal = c["BOUND_PERSONAL_OFFSET"]
    assert c["TRANSFERABLE_PERSONAL_OFFSET"] - c["TRANSFERABLE_COMMERCIAL_OFFSET"] == personal


def test_past_votes__second_checkpoint__sits_one_distance_above_the_first():
    # ModelSharesWords.entry reads checkpoint i of a slot by shifting the slot down by
    # (i % 2) * PAST_NEXT_VOTES_OFFSET and reading the first checkpoint's fields.
    c = _constants(_source((SHARES, "PastVotes")))
    assert c["PAST_NEXT_BLOCK_OFFSET"] - c["PAST_NEXT_VOTES_OFFSET"] == c["PAST_VOTES_BLOCK_OFFSET"]


# ModelShares' state, declared once in contracts/shares/ModelSharesStorage.sol after Nonces'
# `_nonces`: the slots clones were deployed with (the parts composing ModelShares never move them).
SHARES_SLOTS = [
    "_nonces", "_totals", "_schedule", "_baseMagnified", "_baseUnlocked", "_paid", "_holders",
    "_revenue", "_pastVotes", "_claimed", "_payouts", "_delegatees", "_allowances", "_pastSupply",
]  # fmt: skip


def test_model_shares__composed_parts__keep_the_state_slots():
    source = "contracts/ModelShares.sol"
    request = {
        "language": "Solidity",
        "sources": {source: {"content": (ROOT / source).read_text()}},
        "settings": {
            "remappings": ["@openzeppelin/contracts/=node_modules/@openzeppelin/contracts/"],
            "evmVersion": "cancun",
            "outputSelection": {source: {"ModelShares": ["storageLayout"]}},
        },
    }
    out = _compile(request)
    storage = out["contracts"][source]["ModelShares"]["storageLayout"]["storage"]
    assert [(s["label"], int(s["slot"]), s["offset"]) for s in storage] == [
        (label, slot, 0) for slot, label in enumerate(SHARES_SLOTS)
    ]
