"""The headers of a paid answer, written directly: the gateway encodes one
``PAYMENT-RESPONSE`` per paid call, so its JSON text is formatted in one pass instead of
building the object tree and serialising it (the bytes are those of
:func:`modelmint.wire.encode_payment_response`).

    >>> payment_response_header(paid) == encode_payment_response(paid)
    True
"""

from __future__ import annotations

import json
from functools import lru_cache

from modelmint.codec import checksum, encode_header_text
from modelmint.wire import PaymentResponse, encode_payment_response

# JSON text of the few strings a payment response repeats (the network, an empty transaction).
_json_string = lru_cache(maxsize=64)(json.dumps)


def payment_response_header(value: PaymentResponse) -> str:
    """``encode_payment_response(value)``: base64 of the compact JSON with sorted keys."""
    if value.error_reason:
        return encode_payment_response(value)
    return encode_header_text(
        f'{{"channel":{value.channel.json_text()},"chargedCredits":"{int(value.charged_credits)}",'
        f'"network":{_json_string(value.network)},"payer":"{checksum(value.payer)}",'
        f'"success":{"true" if value.success else "false"},'
        f'"transaction":{_json_string(value.transaction)}}}'
    )
