"""The Modelmint gateway: serves an ONNX model to callers who pay per call with
UsageCredits receipts (x402 v2, scheme ``modelmint-credits``) or hold a license, signs
every answer, and settles the receipts on chain in batches. Ape-free (web3.py).

    $ MODELMINT_GATEWAY_PRIVATE_KEY=0x... python -m modelmint.gateway serve \\
          --deployment deployments/local.json --model-id 1

    >>> from modelmint.gateway.app import create_app
    >>> from modelmint.gateway.settings import GatewaySettings

See docs/GATEWAY.md for configuration, the wire format, error codes and operations.
"""
