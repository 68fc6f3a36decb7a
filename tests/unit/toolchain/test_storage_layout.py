"""Hand-packed storage words: every bit offset a contract declares for a packed struct (the
`_..._SHIFT` constants its one-word loads and stores use) equals the offset solc lays the
field out at (the compiler's `storageLayout` output), so a reordered or resized field cannot
silently desynchronise the hand-written code from the struct."""

import json
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
BRIDGE = ROOT / "tools" / "solc-bridge" / "solc-bridge.js"

# (contract, struct) -> {field: (slot within the struct, declared bit offset constant or 0)}
DECLARED = {
    ("LicenseManager", "Offer"): {
        "modelId": (0, 0),
        "price": (0, "_PRICE_SHIFT"),
        "duration": (0, "_DURATION_SHIFT"),
        "versionPin": (0, "_PIN_SHIFT"),
        "supplyCap": (1, 0),
        "sold": (1, "_SOLD_SHIFT"),
        "saleEnds": (1, "_SALE_ENDS_SHIFT"),
        "commercial": (1, "_COMMERCIAL_SHIFT"),
        "transferable": (1, "_TRANSFERABLE_SHIFT"),
        "paused": (1, "_PAUSED_SHIFT"),
    },
    ("LicenseManager", "Holding"): {
        "boundCommercial": (0, "_BOUND_COMMERCIAL_SHIFT"),
        "boundPersonal": (0, "_BOUND_PERSONAL_SHIFT"),
        "transferableCommercial": (0, "_TRANSFERABLE_COMMERCIAL_SHIFT"),
        "transferablePersonal": (0, "_TRANSFERABLE_PERSONAL_SHIFT"),
    },
    ("RevenueRouter", "ModelAccount"): {
        "accPerWeight": (0, 0),
        "totalWeight": (0, "_TOTAL_WEIGHT_SHIFT"),
        "epoch": (0, "_EPOCH_SHIFT"),
        "assetKind": (0, "_ASSET_KIND_SHIFT"),
        "asset": (1, 0),
    },
    ("RevenueRouter", "Entry"): {
        "weight": (0, 0),
        "epoch": (0, "_ENTRY_EPOCH_SHIFT"),
        "hasOwed": (0, "_ENTRY_HAS_OWED_SHIFT"),
        "snapshot": (0, "_ENTRY_SNAPSHOT_SHIFT"),
    },
    ("ModelShares", "Holder"): {
        "balance": (0, "BALANCE_OFFSET"),
        "votes": (0, "VOTES_OFFSET"),
        "votesBlock": (0, "VOTES_BLOCK_OFFSET"),
        "pastCount": (0, "PAST_COUNT_OFFSET"),
    },
    ("ModelShares", "Revenue"): {
        "correction": (0, "CORRECTION_OFFSET"),
        "flags": (0, "FLAGS_OFFSET"),
    },
    ("ModelShares", "Totals"): {
        "supply": (0, "SUPPLY_OFFSET"),
        "supplyBlock": (0, "SUPPLY_BLOCK_OFFSET"),
        "observed": (0, "OBSERVED_OFFSET"),
        "flags": (0, "FLAGS_OFFSET"),
    },
    ("ModelShares", "Schedule"): {
        "locked": (0, "LOCKED_OFFSET"),
        "start": (0, "START_OFFSET"),
        "end": (0, "END_OFFSET"),
    },
}
# Structs whose packed word has its own library (contracts/packed/<library>.sol): the offsets
# (and the <FIELD>_BITS widths) are that library's `internal constant`s.
LIBRARIES = {
    ("ModelShares", "Holder"): "HolderWords",
    ("ModelShares", "Revenue"): "RevenueWords",
    ("ModelShares", "Totals"): "TotalsWords",
    ("ModelShares", "Schedule"): "ScheduleWords",
}
CONSTANT = re.compile(r"uint256 private constant (_\w+_SHIFT) = (\d+);")
LIBRARY_CONSTANT = re.compile(r"uint256 internal constant (\w+_(?:OFFSET|BITS)) = (\d+);")


def _constants(contract: str, struct: str) -> dict[str, int]:
    library = LIBRARIES.get((contract, struct))
    if library is None:
        source = (ROOT / "contracts" / f"{contract}.sol").read_text()
        return {name: int(value) for name, value in CONSTANT.findall(source)}
    source = (ROOT / "contracts" / "packed" / f"{library}.sol").read_text()
    return {name: int(value) for name, value in LIBRARY_CONSTANT.findall(source)}


@pytest.fixture(scope="module")
def layouts() -> dict[str, dict]:
    """solc's storageLayout of every contract in DECLARED (one bridge run)."""
    contracts = sorted({contract for contract, _ in DECLARED})
    sources = {f"contracts/{c}.sol": {"urls": [f"contracts/{c}.sol"]} for c in contracts}
    request = {
        "language": "Solidity",
        "sources": sources,
        "settings": {
            "remappings": ["@openzeppelin/contracts/=node_modules/@openzeppelin/contracts/"],
            "evmVersion": "cancun",
            "outputSelection": {path: {"*": ["storageLayout"]} for path in sources},
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
    return {c: out["contracts"][f"contracts/{c}.sol"][c]["storageLayout"] for c in contracts}


@pytest.mark.parametrize("contract, struct", sorted(DECLARED))
def test_storage_layout__declared_bit_offsets__equal_solc_layout(layouts, contract, struct):
    types = layouts[contract]["types"]
    [members] = [
        t["members"]
        for name, t in types.items()
        if re.fullmatch(rf"t_struct\({struct}\)\d+_storage", name)
    ]
    constants = _constants(contract, struct)
    solc = {m["label"]: (int(m["slot"]), 8 * m["offset"]) for m in members}
    declared = {
        field: (slot, constants[bit] if isinstance(bit, str) else bit)
        for field, (slot, bit) in DECLARED[(contract, struct)].items()
    }
    packed = {f: v for f, v in solc.items() if f in declared}
    assert packed == declared
    # every field of a hand-packed slot is declared (a new field needs its offset too)
    hand_packed_slots = {slot for slot, _ in declared.values()}
    assert {f for f, (slot, _) in solc.items() if slot in hand_packed_slots} == set(declared)
    if (contract, struct) in LIBRARIES:  # the library's widths are the fields' solc widths
        widths = {m["label"]: 8 * int(types[m["type"]]["numberOfBytes"]) for m in members}
        for field, (_, offset_name) in DECLARED[(contract, struct)].items():
            assert constants[offset_name.replace("_OFFSET", "_BITS")] == widths[field], field
