"""A sound build: every contract whose source OR anything it imports changed is recompiled.

ape 0.8.51 decides what to recompile from each file's own checksum. That misses dependants:
``ModelSharesFactory`` embeds ModelShares' creation code (``new ModelShares()``) and
``LicenseManager``/``ModelRegistry`` inherit ``ERC721Packed``, yet editing only the base file
leaves them stale. And a lazy ``project.X`` compile records every source as compiled though
it compiled only X's file. So the project keeps its own stamp, ``.build/modelmint-sources.json``:
for each source under ``contracts/`` the hash of its import closure (its text, the texts of
every project file it imports, transitively, and the compiler settings and
dependencies of ``ape-config.yaml``). :func:`ensure_fresh_build`
force-compiles every source whose closure hash is not the stamped one, then stamps. The test
session runs it first (``tests/conftest.py``) and ``make compile`` runs it::

    from ape import project
    from modelmint.dev.build import ensure_fresh_build
    recompiled = ensure_fresh_build(project)   # source ids that were recompiled

    python -m modelmint.dev.build               # the same from a shell
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

STAMP_NAME = "modelmint-sources.json"
_IMPORT = re.compile(r"""\bimport\s+(?:[^;"']*?\bfrom\s+)?["']([^"']+)["']\s*;""", re.DOTALL)
_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)


def project_sources(root: Path) -> list[Path]:
    """Every Solidity source ape compiles for the project (``contracts/``, less ``.cache``)."""
    folder = root / "contracts"
    return sorted(p for p in folder.rglob("*.sol") if p.relative_to(folder).parts[0] != ".cache")


def local_imports(path: Path) -> list[Path]:
    """The project files ``path`` imports (relative imports; packages such as OpenZeppelin
    are pinned in ape-config.yaml, which every closure hash covers)."""
    text = _COMMENT.sub("", path.read_text("utf8"))
    found = []
    for target in _IMPORT.findall(text):
        if target.startswith("."):
            resolved = (path.parent / target).resolve()
            if resolved.is_file():
                found.append(resolved)
    return found


def compile_settings(root: Path) -> bytes:
    """The parts of ape-config.yaml that change bytecode (compiler settings, dependencies)."""
    import yaml

    config = yaml.safe_load((root / "ape-config.yaml").read_text()) or {}
    keys = ("contracts_folder", "dependencies", "solidity")
    return json.dumps({k: config.get(k) for k in keys}, sort_keys=True).encode()


def closure_hashes(root: Path) -> dict[str, str]:
    """Source id (path relative to ``root``) -> sha256 over the source's import closure."""
    root = root.resolve()
    config = compile_settings(root)
    memo: dict[Path, frozenset[Path]] = {}

    def closure(path: Path, seen: frozenset[Path] = frozenset()) -> frozenset[Path]:
        if path in memo:
            return memo[path]
        result = {path}
        for dep in local_imports(path):
            if dep not in seen and dep != path:
                result |= closure(dep, seen | {path})
        memo[path] = frozenset(result)
        return memo[path]

    hashes = {}
    for src in project_sources(root):
        digest = hashlib.sha256(config)
        for member in sorted(closure(src.resolve())):
            digest.update(str(member.relative_to(root)).encode())
            digest.update(member.read_bytes())
        hashes[str(src.resolve().relative_to(root))] = digest.hexdigest()
    return hashes


def stale_sources(root: Path) -> list[str]:
    """Source ids whose closure changed since the last stamp (all of them without a stamp or
    without a compiled manifest)."""
    current = closure_hashes(root)
    stamped = _read_stamp(root)
    return sorted(sid for sid, digest in current.items() if stamped.get(sid) != digest)


def ensure_fresh_build(project: Any, root: Path | None = None) -> list[str]:
    """Force-compiles the stale sources of the ape ``project`` and stamps the build; returns
    the recompiled source ids (empty when the build was fresh). Compile errors propagate."""
    root = Path(root or project.path).resolve()
    stale = stale_sources(root)
    if stale:
        if len(stale) == len(project_sources(root)):
            project.load_contracts(use_cache=False)
        else:
            project.load_contracts(*stale, use_cache=False)
    _write_stamp(root, closure_hashes(root))
    return stale


def _stamp_path(root: Path) -> Path:
    return root / ".build" / STAMP_NAME


def _read_stamp(root: Path) -> dict[str, str]:
    if not (root / ".build" / "__local__.json").is_file():
        return {}
    try:
        data = json.loads(_stamp_path(root).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_stamp(root: Path, hashes: dict[str, str]) -> None:
    path = _stamp_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(hashes, indent=1, sort_keys=True) + "\n")


def main(argv: Iterable[str] | None = None) -> int:
    """``python -m modelmint.dev.build``: compile what is stale (with its dependants)."""
    from ape import project

    import modelmint.dev  # noqa: F401  (ape workarounds)

    recompiled = ensure_fresh_build(project)
    print(f"recompiled {len(recompiled)} source(s)" if recompiled else "build is fresh")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
