"""Every key a deployment writes into its record is documented in docs/DEPLOYMENT.md."""

import json
import re

from modelmint.deploy.config import REPO_ROOT


def _documented_keys() -> set[str]:
    text = (REPO_ROOT / "docs" / "DEPLOYMENT.md").read_text()
    section = text.split("## The deployment record", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"`([a-z_]+)`", section))


def test_record__every_key_written_by_a_deployment__is_documented(
    make_deployment, plan, record_path
):
    make_deployment(plan).run()
    data = json.loads(record_path.read_text())
    keys = set(data)
    for book in ("contracts", "calls"):
        assert data[book], f"the sample plan writes no {book}"
        for entry in data[book].values():
            keys |= set(entry)

    missing = keys - _documented_keys()

    assert not missing, f"record keys missing from docs/DEPLOYMENT.md: {sorted(missing)}"
