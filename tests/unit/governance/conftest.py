import sys
from pathlib import Path

# A top-level `tests` package in site-packages shadows ours: import the shared module by path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conftest_governance import *  # noqa: E402, F403
