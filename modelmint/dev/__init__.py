"""Development-only code, on ape: gas bench and reports, test helpers, toolchain. Importing it
applies the ape workarounds (``modelmint.deploy.ape_compat``), as the deploy wing does."""

from modelmint.deploy.ape_compat import apply as _apply_ape_workarounds

_apply_ape_workarounds()
