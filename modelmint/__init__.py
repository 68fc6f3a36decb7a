"""Modelmint's Python SDK.

The package is cut by audience; arrows point into the core, never out of it:

- core (this package's top level, no ape, no compiler, no node): ``receipts`` (EIP-712
  metering receipts), ``weights`` (weights content hash), ``abi`` (exported contract ABIs);
- ``deploy`` (on ape): the deploy plan, its engine and records, operator helpers, fork seed;
- ``dev`` (on ape, development only): gas bench and reports, test helpers, ape workarounds.
"""
