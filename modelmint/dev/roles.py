"""Who is who among ape's test accounts, for every test, the gas bench and the demo::

    from modelmint.dev.roles import GATEWAY
    gateway = accounts[GATEWAY]

``tests/conftest.py`` turns each role into a session fixture of the same name in lower case.
"""

from typing import Final

DEPLOYER: Final = 0
MODEL_OWNER: Final = 1
CONTRIBUTOR: Final = 2
LICENSEE: Final = 3
CONSUMER: Final = 4
GATEWAY: Final = 5
ATTACKER: Final = 6
TREASURY: Final = 7
HOLDER: Final = 8
OUTSIDER: Final = 9
"""An account with no role in the fixtures (a fresh third party)."""

ROLES: Final = {
    "deployer": DEPLOYER,
    "model_owner": MODEL_OWNER,
    "contributor": CONTRIBUTOR,
    "licensee": LICENSEE,
    "consumer": CONSUMER,
    "gateway": GATEWAY,
    "attacker": ATTACKER,
    "treasury": TREASURY,
    "holder": HOLDER,
}
"""Fixture name -> test account index."""
