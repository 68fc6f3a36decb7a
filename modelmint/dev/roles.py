"""Who is who among ape's test accounts, for every test, the gas bench and the demo::

    from modelmint.dev.roles import GATEWAY
    gateway = accounts[GATEWAY]

The roles are :class:`modelmint.deploy.roles.Role` (the operator scripts use the same ones);
these are their test account indices. ``tests/conftest.py`` turns each role into a session
fixture of the same name in lower case.
"""

from typing import Final

from modelmint.deploy.roles import Role

DEPLOYER: Final = int(Role.DEPLOYER)
MODEL_OWNER: Final = int(Role.MODEL_OWNER)
CONTRIBUTOR: Final = int(Role.CONTRIBUTOR)
LICENSEE: Final = int(Role.LICENSEE)
CONSUMER: Final = int(Role.CONSUMER)
GATEWAY: Final = int(Role.GATEWAY)
ATTACKER: Final = int(Role.ATTACKER)
TREASURY: Final = int(Role.TREASURY)
HOLDER: Final = int(Role.HOLDER)
OUTSIDER: Final = int(Role.OUTSIDER)
"""An account with no role in the fixtures (a fresh third party)."""

ROLES: Final = {role.fixture: int(role) for role in Role if role is not Role.OUTSIDER}
"""Fixture name -> test account index."""
