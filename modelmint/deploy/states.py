"""The deploy wing's states, as string enums (their values are what the record and the
preview table show)."""

from __future__ import annotations

from enum import StrEnum


class EntryStatus(StrEnum):
    """The ``status`` of a record entry (``deployments/<network>.json``)."""

    PENDING = "pending"  # broadcast, receipt not recorded yet
    DEPLOYED = "deployed"  # a contract entry with its receipt
    DONE = "done"  # a call entry whose effect is on chain


class ActionKind(StrEnum):
    """What a run would do for one step (``Deployment.preview``)."""

    SKIP = "skip"  # deployed and unchanged
    DEPLOY = "deploy"  # not deployed yet
    REDEPLOY = "redeploy"  # differs from the record and ``redeploy`` was asked
    CALL = "call"  # a transaction to send
    DONE = "done"  # a call already in effect
    MISMATCH = "mismatch"  # differs from the record; the run stops

    @property
    def sends(self) -> bool:
        return self in (ActionKind.DEPLOY, ActionKind.REDEPLOY, ActionKind.CALL)


class Verdict(StrEnum):
    """A recorded contract checked against the chain and the plan."""

    NEW = "new"  # nothing usable in the record
    OK = "ok"  # code, compiled code and constructor arguments unchanged
    STALE = "stale"  # its block is not on this chain (restarted node, new fork)
    MISMATCH = "mismatch"  # something differs
