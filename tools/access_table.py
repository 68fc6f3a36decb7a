"""Render docs/ACCESS_CONTROL.md from the access-control table in tests/security.

Usage: python tools/access_table.py [--check]
The table itself lives in tests/security/access_table.py (one place, used by the tests too).
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "ACCESS_CONTROL.md"
sys.path.insert(0, str(ROOT / "tests" / "security"))

from access_table import render  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true", help="fail if the doc is out of date")
    args = parser.parse_args()
    text = render()
    if args.check:
        if DOC.read_text() != text:
            print(f"{DOC} is out of date: run python tools/access_table.py")
            return 1
        return 0
    DOC.write_text(text)
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
