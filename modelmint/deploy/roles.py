"""Who acts: the protocol's roles, each bound on the local chain and forks to one funded test
account (the value is its index among ape's test accounts). Operator scripts take their
acting account by role (:func:`modelmint.deploy.operator.operator_options`); the tests, the
gas bench and the demo name their actors by the same roles (``modelmint.dev.roles``)."""

from __future__ import annotations

from enum import IntEnum


class Role(IntEnum):
    """An actor of the protocol; its value is its test account's index on a local chain."""

    DEPLOYER = 0
    MODEL_OWNER = 1
    CONTRIBUTOR = 2
    LICENSEE = 3
    CONSUMER = 4
    GATEWAY = 5
    ATTACKER = 6
    TREASURY = 7
    HOLDER = 8
    OUTSIDER = 9  # an account with no role in the fixtures (a fresh third party)

    @property
    def fixture(self) -> str:
        """The name of the role's test fixture (``model_owner``)."""
        return self.name.lower()
