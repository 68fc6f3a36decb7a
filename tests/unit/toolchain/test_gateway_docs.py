"""docs/GATEWAY.md is what a developer in any language implements a client from, so it cannot
drift from the code: every Solidity declaration it quotes is in the exported ABI with those
exact types, every contract line it quotes is in the contract, every EIP-712 type string hashes
to the code's type hash, every bound and setting default it quotes is the code's value, every
error it names exists, and the worked example's numbers are a real run's (its signatures recover
to the quoted signers, its digest is the code's). docs/examples/pay.mjs uses the same ABI
fragments; docs/README.md lists every document in docs/."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from eth_utils import keccak, to_checksum_address

from modelmint import access, codec, eip712
from modelmint.abi import load_abi
from modelmint.access import AccessStatement
from modelmint.errors import ErrorCode
from modelmint.gateway.settings import GatewaySettings
from modelmint.provenance import ProvenanceDomain, Served
from modelmint.receipts import (
    CooperativeClose,
    OpenChannelIntent,
    Receipt,
    ReceiptDomain,
    SignedReceipt,
    TopUpIntent,
    recover_signer,
)
from modelmint.signing import recover_digest

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "GATEWAY.md"
PAY_MJS = ROOT / "docs" / "examples" / "pay.mjs"
STRUCTS = {cls.__name__: cls for cls in (Receipt, AccessStatement, Served)}
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)


def _text() -> str:
    return DOC.read_text()


def _blocks(language: str, text: str | None = None) -> list[str]:
    return [body for lang, body in FENCE.findall(text or _text()) if lang == language]


def _section(title: str) -> str:
    """The text of the section whose heading is ``title``, up to the next heading of its level
    or above."""
    text = _text()
    match = re.search(rf"^(#+) {re.escape(title)}\s*$", text, re.M)
    assert match, f"GATEWAY.md has no section {title!r}"
    level = len(match.group(1))
    end = re.compile(rf"^#{{1,{level}}} ", re.M).search(text, match.end())
    return text[match.end() : end.start() if end else len(text)]


# --------------------------------------------------------------------------- Solidity parsing
def _balanced(text: str, start: int) -> int:
    """Index just after the parenthesis group opening at ``text[start] == '('``."""
    depth = 0
    for i in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return i + 1
    raise ValueError(f"unbalanced parentheses in {text[start:]!r}")


def _split_top(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    if current.strip():
        parts.append(current)
    return [p.strip() for p in parts]


_LOCATION = {"memory", "calldata", "storage"}


def _params(text: str, structs: dict[str, list]) -> list[tuple]:
    """``(type, name, indexed, components)`` of each parameter of a Solidity list."""
    out = []
    for part in _split_top(text):
        components: list | None = None
        if part.startswith("("):  # ethers' inline tuple: (type name, ...)[] name
            end = _balanced(part, 0)
            components = _params(part[1 : end - 1], structs)
            tokens = part[end:].split()
            kind = "tuple"
            if tokens and tokens[0].startswith("["):
                kind += tokens.pop(0)
        else:
            tokens = part.split()
            kind = tokens.pop(0)
            base, _, array = kind.partition("[")
            if base in structs:
                components = structs[base]
                kind = "tuple" + (f"[{array}" if array else "")
        indexed = "indexed" in tokens
        names = [t for t in tokens if t != "indexed" and t not in _LOCATION]
        out.append((kind, names[0] if names else "", indexed, components))
    return out


def _declarations(text: str) -> list[dict]:
    """The ``struct``, ``function``, ``event`` and ``error`` declarations of Solidity source
    (interface style) or of ethers' human-readable ABI strings."""
    text = re.sub(r"//[^\n]*", "", text)
    structs: dict[str, list] = {}
    for name, body in re.findall(r"\bstruct\s+(\w+)\s*\{([^}]*)\}", text):
        members = [m.strip() for m in body.split(";") if m.strip()]
        structs[name] = _params(",".join(members), structs)
    found = []
    for match in re.finditer(r"\b(function|event|error)\s+(\w+)\s*\(", text):
        kind, name = match.group(1), match.group(2)
        end = _balanced(text, match.end() - 1)
        inputs = _params(text[match.end() : end - 1], structs)
        tail_end = min(i for i in (text.find(";", end), text.find('"', end), len(text)) if i >= 0)
        tail = text[end:tail_end]
        outputs = None
        returns = re.search(r"\breturns\s*\(", tail)
        if returns:
            close = _balanced(tail, returns.end() - 1)
            outputs = _params(tail[returns.end() : close - 1], structs)
            tail = tail[: returns.start()]
        words = set(tail.split())
        mutability = next((m for m in ("view", "pure", "payable") if m in words), "nonpayable")
        found.append(
            {"kind": kind, "name": name, "inputs": inputs, "outputs": outputs, "mut": mutability}
        )
    return found


def _abi_params(entries: list[dict]) -> list[tuple]:
    return [
        (
            e["type"],
            e.get("name", ""),
            bool(e.get("indexed", False)),
            _abi_params(e["components"]) if "components" in e else None,
        )
        for e in entries
    ]


def _types(params: list[tuple] | None) -> list:
    return [(p[0], _types(p[3]) if p[3] is not None else None) for p in params or []]


def _mismatch(declaration: dict, abi: list[dict]) -> str | None:
    """Why ``declaration`` is not in ``abi`` (None when it is, with the same types)."""
    same_name = [
        e for e in abi if e["type"] == declaration["kind"] and e.get("name") == declaration["name"]
    ]
    if not same_name:
        return "not in the ABI"
    candidates = [
        e for e in same_name if _types(_abi_params(e["inputs"])) == _types(declaration["inputs"])
    ]
    if not candidates:
        return f"input types differ from the ABI's {[_types(_abi_params(e['inputs'])) for e in same_name]}"
    entry = candidates[0]
    abi_inputs = _abi_params(entry["inputs"])
    if [p[1] for p in declaration["inputs"]] != [p[1] for p in abi_inputs]:
        return f"parameter names differ from the ABI's {[p[1] for p in abi_inputs]}"
    if declaration["kind"] == "event" and [p[2] for p in declaration["inputs"]] != [
        p[2] for p in abi_inputs
    ]:
        return "indexed parameters differ from the ABI's"
    if declaration["kind"] == "function":
        if declaration["mut"] != entry["stateMutability"]:
            return f"mutability {declaration['mut']}, ABI {entry['stateMutability']}"
        if declaration["outputs"] is not None and _types(declaration["outputs"]) != _types(
            _abi_params(entry["outputs"])
        ):
            return "return types differ from the ABI's"
        if declaration["outputs"] is None and entry["outputs"]:
            return "the ABI returns values the quote omits"
    return None


def _checked_solidity_blocks() -> list[tuple[str, str]]:
    """``(source, body)`` of every solidity block: its first line names what it quotes."""
    blocks = []
    for body in _blocks("solidity"):
        first = body.splitlines()[0].strip()
        match = re.fullmatch(r"// ((?:modelmint/abi/\w+\.json)|(?:contracts/\w+\.sol))", first)
        assert match, (
            f"a solidity block must start with // modelmint/abi/<Name>.json or // contracts/<Name>.sol: {first!r}"
        )
        blocks.append((match.group(1), body))
    return blocks


def test_gateway_doc__quoted_declarations__are_in_the_exported_abi_with_those_types():
    checked, wrong = [], []
    for source, body in _checked_solidity_blocks():
        if not source.endswith(".json"):
            continue
        abi = load_abi(Path(source).stem)
        for declaration in _declarations(body):
            checked.append(declaration["name"])
            why = _mismatch(declaration, abi)
            if why:
                wrong.append((source, declaration["name"], why))
    assert not wrong, wrong
    for required in (
        "buyAndOpenChannel",
        "buyAndTopUpChannel",
        "openChannel",
        "topUpChannel",
        "closeChannel",
        "channel",
        "ChannelOpened",
    ):
        assert required in checked, f"GATEWAY.md quotes no declaration of {required}"


def test_gateway_doc__quoted_contract_lines__appear_in_the_contract():
    missing, quoted = [], 0
    for source, body in _checked_solidity_blocks():
        if not source.endswith(".sol"):
            continue
        code = " ".join((ROOT / source).read_text().split())
        for line in body.splitlines()[1:]:
            line = line.split("//")[0].strip()
            if line:
                quoted += 1
                if " ".join(line.split()) not in code:
                    missing.append((source, line))
    assert quoted, "GATEWAY.md quotes no contract line"
    assert not missing, missing


@pytest.mark.parametrize("source", ["docs/examples/pay.mjs", "docs/GATEWAY.md"])
def test_js_abi_fragments__are_in_the_exported_abi_with_those_types(source):
    text = PAY_MJS.read_text() if source.endswith(".mjs") else "".join(_blocks("js"))
    fragments = re.findall(r'"((?:function|event|error) [^"]+)"', text)
    assert fragments
    abi = load_abi("UsageCredits") + load_abi("ERC20")
    wrong = [
        (d["name"], why)
        for fragment in fragments
        for d in _declarations(fragment)
        if (why := _mismatch(d, abi))
    ]
    assert not wrong, wrong


# --------------------------------------------------------------------------- EIP-712
def _type_string(name: str, fields: list[dict[str, str]]) -> str:
    return f"{name}(" + ",".join(f"{f['type']} {f['name']}" for f in fields) + ")"


_DOMAIN_STRINGS = {
    _type_string("EIP712Domain", eip712.EIP712_DOMAIN_TYPE),
    _type_string(
        "EIP712Domain", eip712.Eip712Domain(1, "0x" + "00" * 20, "n", "1", b"\0" * 32).eip712_type()
    ),
}


def test_gateway_doc__eip712_type_strings__are_the_code_type_strings():
    quoted = re.findall(r"`((?:Receipt|AccessStatement|Served|EIP712Domain)\([^`]*\))`", _text())
    assert quoted
    wrong = []
    for string in quoted:
        name = string.split("(")[0]
        if name == "EIP712Domain":
            if string not in _DOMAIN_STRINGS:
                wrong.append(string)
        elif keccak(text=string) != STRUCTS[name].type_hash():
            wrong.append(string)
    assert not wrong, f"not the exact EIP-712 type string (no spaces after commas): {wrong}"
    for name in STRUCTS:
        assert any(s.startswith(name + "(") for s in quoted), f"no type string of {name}"


def test_gateway_doc__channel_v2_type_strings__are_the_code_type_strings():
    """The intents and the cooperative close quoted for gasless channels hash to the code's
    type hashes (modelmint/receipts.py, the contract's typehashes)."""
    structs = {c.__name__: c for c in (OpenChannelIntent, TopUpIntent, CooperativeClose)}
    names = "|".join(structs)
    quoted = re.findall(rf"`((?:{names})\([^`]*\))`", _text())
    assert {q.split("(")[0] for q in quoted} == set(structs)
    for string in quoted:
        assert keccak(text=string) == structs[string.split("(")[0]].type_hash(), string


def test_gateway_doc__type_hashes__are_the_code_type_hashes():
    rows = re.findall(r"^\|\s*`(\w+)`\s*\|\s*`([^`]+)`\s*\|\s*`(0x[0-9a-f]{64})`", _text(), re.M)
    assert {name for name, _, _ in rows} >= set(STRUCTS)
    for name, string, type_hash in rows:
        assert keccak(text=string).hex() == type_hash[2:], name
        if name in STRUCTS:
            assert STRUCTS[name].type_hash().hex() == type_hash[2:], name


def test_gateway_doc__typed_data_types__are_the_code_types():
    seen = set()
    for block in _blocks("json"):
        obj = json.loads(block)
        types = obj.get("types") or obj.get("typedData", {}).get("types")
        if not types:
            continue
        for name, fields in types.items():
            seen.add(name)
            if name == "EIP712Domain":
                assert _type_string(name, fields) in _DOMAIN_STRINGS
            else:
                assert fields == STRUCTS[name].eip712_type(), name
    assert seen >= set(STRUCTS), f"typed-data types quoted: {seen}"


# --------------------------------------------------------------------------- bounds, settings
def _contract_constant(name: str) -> int:
    source = (ROOT / "contracts" / "UsageCredits.sol").read_text()
    match = re.search(rf"constant {name} = (\d+)\s*(days|hours|minutes|seconds)?;", source)
    assert match, f"no constant {name} in UsageCredits.sol"
    unit = {"days": 86400, "hours": 3600, "minutes": 60, "seconds": 1, None: 1}[match.group(2)]
    return int(match.group(1)) * unit


def _setting(name: str) -> float:
    return GatewaySettings.model_fields[name.lower()].default


BOUNDS = {
    "GRACE_PERIOD": lambda: _contract_constant("GRACE_PERIOD"),
    "MIN_DEADLINE_MARGIN": lambda: _setting("MIN_DEADLINE_MARGIN"),
    "SETTLE_MARGIN_SECONDS": lambda: _setting("SETTLE_MARGIN_SECONDS"),
    "LOCK_TIMEOUT": lambda: _setting("LOCK_TIMEOUT"),
    "MAX_LIFETIME_SECONDS": lambda: access.MAX_LIFETIME_SECONDS,
    "CLOCK_SKEW_SECONDS": lambda: access.CLOCK_SKEW_SECONDS,
    "MAX_HEADER_BYTES": lambda: codec.MAX_HEADER_BYTES,
}


def test_gateway_doc__bounds_table__quotes_the_code_values():
    rows = re.findall(
        r"^\|\s*`([A-Z_]+)`\s*\|\s*`([0-9.]+)`", _section("Expiry, deadlines and bounds"), re.M
    )
    assert {name for name, _ in rows} == set(BOUNDS), rows
    for name, value in rows:
        assert float(value) == BOUNDS[name](), name


_KEY_SETTINGS = {"keystore", "keystore_password", "private_key"}


def test_gateway_doc__settings_table__quotes_every_setting_default():
    rows = re.findall(
        r"^\|\s*(`[A-Z_]+`(?:,\s*`[A-Z_]+`)*)\s*\|([^|]*)\|", _section("Configure"), re.M
    )
    documented = {}
    for names, defaults in rows:
        keys = re.findall(r"`([A-Z_]+)`", names)
        values = [v.strip() for v in defaults.split(",")]
        for key, value in zip(
            keys, values if len(values) == len(keys) else [defaults] * len(keys), strict=True
        ):
            documented[key.lower()] = value
    fields = set(GatewaySettings.model_fields) - _KEY_SETTINGS
    assert fields - set(documented) == set(), "settings missing from the Configure table"
    wrong = []
    for name, cell in documented.items():
        default = GatewaySettings.model_fields[name].default
        literal = re.search(r"`([^`]*)`", cell)
        if literal is None:  # described in words (e.g. the shipped model)
            continue
        text = literal.group(1)
        if isinstance(default, bool):
            ok = text == str(default).lower()
        elif isinstance(default, int | float):
            ok = float(text) == default
        else:
            ok = text == str(default)
        if not ok:
            wrong.append((name, cell, default))
    assert not wrong, wrong


# --------------------------------------------------------------------------- errors
def _abi_names(kind: str) -> set[str]:
    return {
        e["name"]
        for path in (ROOT / "modelmint" / "abi").glob("*.json")
        for e in load_abi(path.stem)
        if e["type"] == kind
    }


def test_gateway_doc__named_contract_errors_and_events__exist_in_an_abi():
    prefixes = tuple(p.stem for p in (ROOT / "modelmint" / "abi").glob("*.json"))
    named = set(re.findall(r"`((?:" + "|".join(prefixes) + r")[A-Z]\w*)[`(]", _text()))
    named |= set(re.findall(r"\b(ERC(?:20|1155)[A-Z]\w+|SafeERC20\w+)\b", _text()))
    assert "UsageCreditsInvalidExpiry" in named
    unknown = named - _abi_names("error") - _abi_names("event")
    assert not unknown, unknown


def test_gateway_doc__error_code_table__lists_every_error_code_with_its_status():
    rows = re.findall(r"^\|\s*`([a-z_]+)`\s*\|\s*(\d{3})\s*\|", _section("Error codes"), re.M)
    assert {code for code, _ in rows} == {c.value for c in ErrorCode}
    for code, status in rows:
        assert ErrorCode(code).status == int(status), code


def test_gateway_doc__json_examples__use_existing_error_codes():
    for block in _blocks("json"):
        obj = json.loads(block)  # every json block is valid JSON (schematic ones are jsonc)
        for found in re.findall(r'"error":\s*"(\w+)"', json.dumps(obj)):
            ErrorCode(found)


# --------------------------------------------------------------------------- worked example
def _example_objects() -> list[dict]:
    return [json.loads(b) for b in _blocks("json", _section("Worked example"))]


def test_gateway_doc__worked_example__signatures_recover_to_the_quoted_signers():
    objects = _example_objects()
    payments = [o for o in objects if "payload" in o and "accepted" in o]
    responses = [o for o in objects if "chargedCredits" in o]
    proofs = [o for o in objects if "served" in o]
    typed = [o for o in objects if o.get("primaryType") == "Receipt"]
    assert payments and responses and proofs and typed
    payer = responses[0]["payer"]
    for payment in payments:
        p, req = payment["payload"], payment["accepted"]
        domain = ReceiptDomain(**_domain_args(req["extra"]["receiptDomain"]))
        receipt = Receipt(int(p["channelId"]), int(p["cumulativeCredits"]), int(p["deadline"]))
        signed = SignedReceipt(receipt, bytes.fromhex(p["signature"][2:]))
        assert recover_signer(domain, signed) == payer
        assert int(req["amount"]) == int(req["extra"]["creditsPerItem"]) * 3
        document = eip712.typed_data(domain, receipt)
        document["message"] = {k: str(v) for k, v in document["message"].items()}
        if typed[0]["message"] == document["message"]:
            assert typed[0] == document
            assert "0x" + eip712.digest(domain, receipt).hex() in _section("Worked example")
    for proof in proofs:
        served = Served.from_json(proof["served"])
        gateway = payments[0]["accepted"]["payTo"]
        domain = ProvenanceDomain(
            payments[0]["accepted"]["extra"]["receiptDomain"]["chainId"], gateway
        )
        signer = recover_digest(
            eip712.digest(domain, served), bytes.fromhex(proof["signature"][2:])
        )
        assert signer == to_checksum_address(gateway)
        assert served.account == payer


def _domain_args(domain: dict) -> dict:
    return {
        "chain_id": domain["chainId"],
        "verifying_contract": domain["verifyingContract"],
        "name": domain["name"],
        "version": domain["version"],
    }


def test_gateway_doc__worked_example__amounts_follow_the_price_rule():
    section = _section("Worked example")
    required = next(
        o for o in _example_objects() if "accepts" in o and o["error"] == "payment_required"
    )
    credit_value = int(required["accepts"][0]["extra"]["creditValue"])
    # Every "N credits ... value V" the example states is N x creditValue.
    pairs = re.findall(r"`(\d+)`\s+credits\s+for\s+`(\d+)`\s+wei", section)
    assert pairs
    for credits, value in pairs:
        assert int(value) == int(credits) * credit_value
    grace = _contract_constant("GRACE_PERIOD")
    expiry, deadline = (
        int(x) for x in re.search(r"expiry\s+`(\d+)`.*?deadline\s+`(\d+)`", section, re.S).groups()
    )
    assert deadline == expiry + grace


# --------------------------------------------------------------------------- links, index
def test_gateway_doc__links__point_at_existing_files_including_interfaces_and_abis():
    links = re.findall(r"\]\((\.\./[^)#]+|[\w./-]+\.(?:md|sol|json|mjs))[)#]", _text())
    assert any(link.startswith("../interfaces/") for link in links)
    assert any(link.startswith("../modelmint/abi/") for link in links)
    missing = [link for link in links if not (DOC.parent / link).exists()]
    assert not missing, missing


def test_docs_readme__lists_every_document_in_docs():
    index = (ROOT / "docs" / "README.md").read_text()
    listed = set(re.findall(r"\]\(([\w./-]+)\)", index))
    documents = {p.name for p in (ROOT / "docs").glob("*.md")} - {"README.md"}
    assert documents - listed == set()


@pytest.mark.parametrize("name", sorted(STRUCTS))
def test_gateway_doc__struct_json_encoding_table__covers_each_member_type(name):
    """The encoding table names the JSON form of every member type of the signed structs."""
    table = _section("Signed structs (EIP-712)")
    for member in eip712.members(STRUCTS[name]):
        assert re.search(rf"^\|\s*`{member.type}`", table, re.M), (name, member.type)
