"""ape's waits on the local and fork networks are the project's (ape-config.yaml), not ape's
20 s defaults: a heavy transaction on a busy machine is slow, never a TransactionNotFoundError.
See docs/TOOLCHAIN.md, "Running under load"."""

import inspect

# The receipt and request ceilings set in ape-config.yaml (seconds).
CEILING = 600


def test_local_network__connected__receipt_wait_is_configured_ceiling(chain):
    assert chain.provider.network.name == "local"
    assert chain.provider.network.transaction_acceptance_timeout == CEILING


def test_fork_network__config__receipt_wait_is_configured_ceiling(networks):
    fork = networks.ethereum.get_network("sepolia-fork")
    assert fork.transaction_acceptance_timeout == CEILING


def test_foundry_provider__local__request_timeout_is_configured_ceiling(chain):
    assert chain.provider.timeout == CEILING
    assert chain.provider.web3.provider._request_kwargs["timeout"] == CEILING


def test_send__local__receipt_awaited_with_configured_ceiling(chain, accounts, monkeypatch):
    """What ape passes to web3's receipt wait when a transaction is sent: the ceiling."""
    eth = chain.provider.web3.eth
    original = eth.wait_for_transaction_receipt
    seen: list[float] = []

    def wait(tx_hash, timeout=120, poll_latency=0.1):
        seen.append(timeout)
        return original(tx_hash, timeout=timeout, poll_latency=poll_latency)

    monkeypatch.setattr(eth, "wait_for_transaction_receipt", wait)
    accounts[0].transfer(accounts[1], 1)
    assert seen == [CEILING]


def test_anvil_start__patched__waits_up_to_300_seconds():
    from ape.api.providers import SubprocessProvider

    assert inspect.signature(SubprocessProvider.start).parameters["timeout"].default == 300
