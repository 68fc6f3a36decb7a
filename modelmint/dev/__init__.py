"""Development-only code, on ape: gas bench and reports, test helpers, ape workarounds."""

from modelmint.dev.ape_compat import apply as _apply_ape_workarounds

_apply_ape_workarounds()
