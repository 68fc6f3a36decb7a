"""Writes ``modelmint/abi/<Contract>.json`` from ape's compiler output (``.build/__local__.json``).

    python -m modelmint.abi.export            # write the files
    python -m modelmint.abi.export --check    # exit 1 and name the stale files, write nothing

Reads plain JSON: no ape import, so it also runs where only the build output exists.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from modelmint.abi import ABI_DIR, CONTRACTS, USER_CONTRACTS

REPO_ROOT = ABI_DIR.parents[1]
MANIFEST = REPO_ROOT / ".build" / "__local__.json"
# The functions and events of IERC20 (EIP-20) and the ERC-20 errors of ERC-6093 (what
# OpenZeppelin tokens revert with); taken from the test token's ABI, which has them all.
ERC20_SOURCE = "MockERC20"
ERC20_NAMES = {
    "name", "symbol", "decimals", "totalSupply", "balanceOf", "transfer", "transferFrom",
    "approve", "allowance", "Transfer", "Approval",
}  # fmt: skip


def render(abi: list[dict[str, Any]]) -> str:
    """The canonical file text: one entry per line keeps diffs readable."""
    return "[\n" + ",\n".join(json.dumps(e, sort_keys=True) for e in abi) + "\n]\n"


def exported(contract_types: dict[str, Any]) -> dict[str, str]:
    """File name -> text for every exported ABI, from ``{name: contract type JSON}``."""
    missing = [n for n in (*CONTRACTS, *USER_CONTRACTS, ERC20_SOURCE) if n not in contract_types]
    if missing:
        raise SystemExit(f"not compiled: {', '.join(missing)} (run `ape compile`)")
    files = {f"{n}.json": render(contract_types[n]["abi"]) for n in CONTRACTS + USER_CONTRACTS}
    erc20 = [
        e
        for e in contract_types[ERC20_SOURCE]["abi"]
        if (e.get("type") in ("function", "event") and e.get("name") in ERC20_NAMES)
        or (e.get("type") == "error" and e.get("name", "").startswith("ERC20"))
    ]
    files["ERC20.json"] = render(erc20)
    return files


def stale(files: dict[str, str], directory: Path = ABI_DIR) -> list[str]:
    return [
        n
        for n, text in files.items()
        if not (directory / n).is_file() or (directory / n).read_text() != text
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail on stale files, write nothing")
    parser.add_argument("--manifest", type=Path, default=MANIFEST)
    args = parser.parse_args(argv)
    files = exported(json.loads(args.manifest.read_text())["contractTypes"])
    out_of_date = stale(files)
    if args.check:
        if out_of_date:
            print(
                f"stale ABI exports: {', '.join(out_of_date)} (run `make compile`)", file=sys.stderr
            )
            return 1
        return 0
    for name in out_of_date:
        (ABI_DIR / name).write_text(files[name])
    print(
        f"abi: {len(files)} files, {len(out_of_date)} rewritten in {ABI_DIR.relative_to(REPO_ROOT)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
