"""PROPERTIES.md cannot rot: every test it cites exists, and every row cites one or says why not."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "PROPERTIES.md"
CITATION = re.compile(r"`(tests/[\w/]+\.py)::([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)?)`")
ROW = re.compile(r"^\|\s*([A-Z]+-\d{2})\s*\|(.*)$")
PREFIXES = {
    "REG",
    "LIC",
    "CRD",
    "REV",
    "SHR",
    "GOV",
    "SIG",
    "ACL",
    "XMOD",
    "GW",
    "CLT",
    "IDX",
    "DSH",
}


def _rows():
    return [(m[1], m[2]) for line in DOC.read_text().splitlines() if (m := ROW.match(line))]


def _defined(path: Path) -> set[str]:
    """Top-level functions and Class.method names defined in a Python file."""
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    names.add(f"{node.name}.{item.name}")
    return names


def _is_test(name: str) -> bool:
    # A cited top-level function must be a pytest test; a Class.method must be a
    # stateful invariant (decorated with @invariant) - checked separately below.
    return "." in name or name.startswith("test_")


def test_properties_doc__every_cited_test__exists():
    citations = CITATION.findall(DOC.read_text())
    assert len(citations) > 50
    missing = []
    for rel, name in citations:
        path = ROOT / rel
        if not path.is_file() or name not in _defined(path) or not _is_test(name):
            missing.append(f"{rel}::{name}")
    assert missing == []


def test_properties_doc__cited_machine_methods__are_invariants():
    bad = []
    for rel, name in CITATION.findall(DOC.read_text()):
        if "." not in name:
            continue
        cls, method = name.split(".")
        tree = ast.parse((ROOT / rel).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name == cls:
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and item.name == method:
                        decorators = ast.unparse(item).split("def ")[0]
                        if "invariant" not in decorators:
                            bad.append(f"{rel}::{name}")
    assert bad == []


def test_properties_doc__every_row__has_unique_id_and_a_test_or_untested_mark():
    rows = _rows()
    ids = [i for i, _ in rows]
    assert len(ids) == len(set(ids))
    assert {i.split("-")[0] for i in ids} >= PREFIXES - {"XMOD"}
    assert {i.split("-")[0] for i in ids} <= PREFIXES
    for row_id, rest in rows:
        assert CITATION.search(rest) or "untested" in rest.lower(), row_id
