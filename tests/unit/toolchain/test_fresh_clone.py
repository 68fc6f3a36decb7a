"""Plain ape commands in the activated venv, with nothing exported, see the whole project and
never run stale bytecode. Each test works on a copy of the project in a temporary folder and runs
ape in a subprocess whose environment is only ``PATH=<venv>/bin:/usr/bin:/bin`` and ``HOME``.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ape.utils.os import get_all_files_in_directory

from modelmint.dev.testing import WAIT_CEILING

ROOT = Path(__file__).resolve().parents[3]
VENV_BIN = Path(sys.executable).parent
PROBE = 424242
PROBE_SELECTOR = "0x09d30e93"  # keccak("buildProbe()")[:4], checked below


def _clean_env() -> dict[str, str]:
    return {"HOME": os.environ.get("HOME", "/root"), "PATH": f"{VENV_BIN}:/usr/bin:/bin"}


def _ape(
    project: Path, *args: str, timeout: float = 2 * WAIT_CEILING
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(VENV_BIN / "ape"), *args],
        cwd=project,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _copy_project(dest: Path) -> Path:
    """The project's files (tracked and new, as git lists them), its compiled build and a link
    to its node_modules."""
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file() and (name.startswith(("contracts/", "interfaces/", "tests/"))):
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    for name in ("ape-config.yaml", "pyproject.toml"):
        shutil.copy2(ROOT / name, dest / name)
    shutil.copytree(ROOT / ".build", dest / ".build")
    (dest / "node_modules").symlink_to(ROOT / "node_modules")
    return dest


def _compiled_names(project: Path) -> set[str]:
    manifest = json.loads((project / ".build" / "__local__.json").read_text())
    return set(manifest.get("contractTypes", {}))


def test_probe_selector__keccak_of_signature__matches():
    from eth_utils import keccak

    assert "0x" + keccak(text="buildProbe()")[:4].hex() == PROBE_SELECTOR


@pytest.mark.slow
def test_plain_ape_compile__new_contract_in_contracts_test__is_compiled(tmp_path):
    copy = _copy_project(tmp_path / "p")
    # ape-solidity unpacks ~700 OpenZeppelin files into contracts/.cache; more than ape's
    # 500-file listing cap, so without the fix the files listed after .cache are dropped.
    filler = copy / "contracts" / ".cache" / "filler"
    filler.mkdir(parents=True)
    for i in range(600):
        (filler / f"F{i}.sol").write_text("// filler\n")
    probe = copy / "contracts" / "test" / "ZzBuildProbe.sol"
    probe.write_text(
        "// SPDX-License-Identifier: MIT\npragma solidity 0.8.30;\n"
        "contract ZzBuildProbe { function buildProbe() external pure returns (uint256) "
        f"{{ return {PROBE}; }} }}\n"
    )
    capped = get_all_files_in_directory(copy / "contracts", max_files=500)
    if probe in capped:
        pytest.skip("this file system lists contracts/test before contracts/.cache")

    result = _ape(copy, "compile")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "ZzBuildProbe" in _compiled_names(copy), result.stdout + result.stderr


@pytest.mark.slow
def test_ape_test__base_contract_edited__dependant_runs_new_bytecode(tmp_path):
    """ModelSharesFactory deploys ``new ModelShares()``: editing only ModelShares.sol must
    reach the factory's embedded creation code before any test runs."""
    copy = _copy_project(tmp_path / "p")
    shares = copy / "contracts" / "ModelShares.sol"
    text = shares.read_text()
    marker = "contract ModelShares is"
    assert marker in text
    head, rest = text.split(marker, 1)
    body_start = rest.index("{") + 1
    shares.write_text(
        head
        + marker
        + rest[:body_start]
        + f"\n    function buildProbe() external pure returns (uint256) {{ return {PROBE}; }}\n"
        + rest[body_start:]
    )
    (copy / "tests" / "test_zz_build_probe.py").write_text(
        "def test_factory_implementation__answers_probe(project, accounts, chain):\n"
        "    factory = project.ModelSharesFactory.deploy(accounts[1], sender=accounts[0])\n"
        "    impl = factory.IMPLEMENTATION()\n"
        f"    out = chain.provider.web3.eth.call({{'to': impl, 'data': '{PROBE_SELECTOR}'}})\n"
        f"    assert int.from_bytes(out, 'big') == {PROBE}\n"
    )

    result = _ape(copy, "test", "tests/test_zz_build_probe.py", "-q", "-p", "no:cacheprovider")

    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "1 passed" in result.stdout
