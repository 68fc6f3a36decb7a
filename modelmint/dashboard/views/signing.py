"""The EIP-712 types the browser signs and checks in the playground (``Receipt``, which the
consumer's wallet signs with ``eth_signTypedData_v4``, and ``Served``, the gateway's provenance
it verifies), served from their one declaration in the core (:mod:`modelmint.receipts`,
:mod:`modelmint.provenance`) so the front-end holds no copy that could drift.
"""

from __future__ import annotations

from modelmint.eip712 import EIP712_DOMAIN_TYPE
from modelmint.provenance import Served
from modelmint.receipts import Receipt

SIGNED_STRUCTS = (Receipt, Served)


def signed_types() -> dict[str, list[dict[str, str]]]:
    """``{"EIP712Domain": [...], "Receipt": [...], "Served": [...]}``: the ``types`` members
    of the typed-data documents (``EIP712Domain`` without salt: both domains have none)."""
    return {
        "EIP712Domain": list(EIP712_DOMAIN_TYPE),
        **{struct.__name__: struct.eip712_type() for struct in SIGNED_STRUCTS},
    }
