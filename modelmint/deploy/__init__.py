"""Deployment and operator code, on ape: the plan (the one description of how the protocol is
deployed and wired), its engine and records, network configs, governance and fork helpers."""

from modelmint.deploy.ape_compat import apply as _apply_ape_workarounds

_apply_ape_workarounds()
