"""Run Slither on every deployed contract and fail on untriaged high/medium findings.

Usage: python tools/slither_gate.py [--update-report]

Each contract in contracts/ (not contracts/test/) is analysed through the solc-js bridge.
Findings are identified by Slither's stable result id. `security/slither-triage.json`
holds a reason for every high or medium finding that is accepted; any other high or medium
finding fails the run. `reports/slither.json` receives every finding (all impacts).
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRIAGE = ROOT / "security" / "slither-triage.json"
REPORT = ROOT / "reports" / "slither.json"
GATED_IMPACTS = {"High", "Medium"}


def analyse(source: Path) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "slither.json"
        cmd = [
            str(Path(sys.executable).with_name("slither")),
            str(source.relative_to(ROOT)),
            "--solc",
            str(ROOT / ".solcx" / "solc-v0.8.30"),
            "--solc-standard-json",
            "--solc-remaps",
            "@openzeppelin/contracts/=node_modules/@openzeppelin/contracts/ "
            "@openzeppelin/contracts-upgradeable/=node_modules/@openzeppelin/contracts-upgradeable/",
            "--exclude-dependencies",
            "--filter-paths",
            "node_modules|contracts/test",
            "--json",
            str(out),
        ]
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if not out.exists():
            sys.stderr.write(proc.stdout + proc.stderr)
            raise SystemExit(f"slither failed on {source}")
        data = json.loads(out.read_text())
    if not data.get("success"):
        raise SystemExit(f"slither failed on {source}: {data.get('error')}")
    return data.get("results", {}).get("detectors", [])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.parse_args()
    triage = json.loads(TRIAGE.read_text()) if TRIAGE.exists() else {}
    findings: dict[str, dict] = {}
    for source in sorted((ROOT / "contracts").glob("*.sol")):
        for result in analyse(source):
            findings[result["id"]] = {
                "check": result["check"],
                "impact": result["impact"],
                "confidence": result["confidence"],
                "where": result.get("first_markdown_element", ""),
                "description": result["description"].strip(),
            }
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps(findings, indent=2, sort_keys=True) + "\n")

    by_impact: dict[str, int] = {}
    for f in findings.values():
        by_impact[f["impact"]] = by_impact.get(f["impact"], 0) + 1
    print("slither findings by impact:", json.dumps(by_impact, sort_keys=True))

    untriaged = {
        fid: f for fid, f in findings.items() if f["impact"] in GATED_IMPACTS and fid not in triage
    }
    for fid, f in sorted(untriaged.items(), key=lambda kv: kv[1]["where"]):
        print(f"UNTRIAGED {f['impact']} {f['check']} {fid}\n  {f['description']}\n")
    stale = sorted(set(triage) - set(findings))
    if stale:
        print(f"note: {len(stale)} triage entries no longer match a finding: {stale}")
    if untriaged:
        print(
            f"{len(untriaged)} untriaged high/medium finding(s): fix them or add a reason to {TRIAGE}"
        )
        return 1
    print("slither gate: no untriaged high/medium findings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
