"""The solc-js bridge honours the command-line contract ape-solidity and Slither rely on."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from modelmint.dev.testing import WAIT_CEILING

ROOT = Path(__file__).resolve().parents[3]
BRIDGE = ROOT / "tools" / "solc-bridge" / "solc-bridge.js"
SOLC_VERSION = "0.8.30"
# The pattern py-solc-x uses to read a compiler's version.
SOLCX_VERSION_REGEX = r"(\d+\.\d+\.\d+)(?:-nightly.\d+.\d+.\d+|)(\+commit.\w+)"


def _bridge(*args, stdin=None, cwd=ROOT):
    return subprocess.run(
        ["node", str(BRIDGE), *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=WAIT_CEILING,
    )


def _standard_json(sources, remappings=()):
    return json.dumps(
        {
            "language": "Solidity",
            "sources": sources,
            "settings": {
                "optimizer": {"enabled": True, "runs": 200},
                "evmVersion": "cancun",
                "remappings": list(remappings),
                "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}},
            },
        }
    )


def test_version__solcx_pattern__reports_pinned_version():
    result = _bridge("--version")
    assert result.returncode == 0
    match = re.search(SOLCX_VERSION_REGEX, result.stdout)
    assert match, result.stdout
    assert match.group(1) == SOLC_VERSION
    assert "Version: " in result.stdout


def test_standard_json__valid_source__returns_abi_and_bytecode():
    src = "pragma solidity 0.8.30; contract Counter { uint256 public n; function inc() external { n++; } }"
    result = _bridge("--standard-json", stdin=_standard_json({"Counter.sol": {"content": src}}))
    assert result.returncode == 0
    out = json.loads(result.stdout)
    assert not [e for e in out.get("errors", []) if e["severity"] == "error"]
    counter = out["contracts"]["Counter.sol"]["Counter"]
    assert {item["name"] for item in counter["abi"] if item["type"] == "function"} == {"n", "inc"}
    assert len(counter["evm"]["bytecode"]["object"]) > 100


def test_standard_json__syntax_error__exit_zero_with_error_in_output():
    # Native solc reports compile errors inside the JSON and still exits 0.
    bad = "pragma solidity 0.8.30; contract Broken { function f( }"
    result = _bridge("--standard-json", stdin=_standard_json({"Broken.sol": {"content": bad}}))
    assert result.returncode == 0
    errors = json.loads(result.stdout)["errors"]
    assert any(e["severity"] == "error" and e["type"] == "ParserError" for e in errors)


def test_standard_json__imports_openzeppelin_and_interfaces_from_disk(tmp_path):
    (tmp_path / "interfaces").mkdir()
    (tmp_path / "contracts").mkdir()
    (tmp_path / "interfaces" / "IThing.sol").write_text(
        "pragma solidity 0.8.30; interface IThing { function thing() external view returns (uint256); }"
    )
    src = (
        "pragma solidity 0.8.30;\n"
        'import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";\n'
        'import {IThing} from "../interfaces/IThing.sol";\n'
        'contract Thing is ERC20, IThing { constructor() ERC20("T", "T") {}'
        " function thing() external pure returns (uint256) { return 1; } }"
    )
    # Only the entry file is inlined; both imports must be read from disk.
    request = _standard_json(
        {"contracts/Thing.sol": {"content": src}},
        remappings=[f"@openzeppelin/contracts/={ROOT}/node_modules/@openzeppelin/contracts/"],
    )
    result = _bridge("--standard-json", "--base-path", str(tmp_path), stdin=request)
    assert result.returncode == 0
    out = json.loads(result.stdout)
    assert not [e for e in out.get("errors", []) if e["severity"] == "error"], out.get("errors")
    assert "Thing" in out["contracts"]["contracts/Thing.sol"]
    assert "interfaces/IThing.sol" in out["sources"]


def test_combined_json__legacy_interface__serves_slither_fields(tmp_path):
    source = tmp_path / "Box.sol"
    source.write_text("pragma solidity 0.8.30; contract Box { uint256 public v; }")
    result = _bridge(
        "--combined-json",
        "abi,ast,bin,bin-runtime,srcmap,srcmap-runtime,userdoc,devdoc,hashes",
        "--allow-paths",
        ".",
        str(source),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    (key,) = [k for k in out["contracts"] if k.endswith(":Box")]
    assert out["contracts"][key]["hashes"] == {"v()": "7c2efcba"}
    assert out["sources"][out["sourceList"][0]]["AST"]["nodeType"] == "SourceUnit"


def test_combined_json__syntax_error__exits_non_zero(tmp_path):
    source = tmp_path / "Bad.sol"
    source.write_text("pragma solidity 0.8.30; contract Bad { uint256 x = ; }")
    result = _bridge("--combined-json", "abi", str(source), cwd=tmp_path)
    assert result.returncode != 0
    assert "ParserError" in result.stderr


def test_unknown_option__exits_with_usage_error():
    result = _bridge("--bogus")
    assert result.returncode == 2
    assert "unsupported option --bogus" in result.stderr


@pytest.mark.slow
def test_ape_compile__syntax_error__exits_non_zero_with_solc_message(tmp_path):
    project = tmp_path / "broken"
    (project / "contracts").mkdir(parents=True)
    shutil.copy(ROOT / "ape-config.yaml", project / "ape-config.yaml")
    (project / "contracts" / "Broken.sol").write_text(
        "// SPDX-License-Identifier: MIT\npragma solidity 0.8.30;\ncontract Broken { function f( }\n"
    )
    env = dict(os.environ)
    env["SOLCX_BINARY_PATH"] = str(ROOT / ".solcx")
    env["PATH"] = f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{env['PATH']}"
    ape = Path(sys.executable).with_name("ape")
    result = subprocess.run(
        [str(ape), "compile"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=2 * WAIT_CEILING,
    )
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "ParserError" in output, output
