"""A gateway follows a version published on chain the way an operator expects: it keeps
serving the old version and says an upgrade is pending until a file with the new weights'
sha256 is in its WEIGHTS_DIR, then serves the new version (a payment signed for the old one
gets ``wrong_version`` naming the new one). ``gateway settle`` needs only the record, the key
and the store, whatever version is published."""

from __future__ import annotations

import shutil
import subprocess
import sys

import httpx
import onnx
from inprocess import own_gateway
from payer import Payer

from modelmint.dev.testing import WAIT_CEILING, wait_until
from modelmint.gateway.digits import DEFAULT_PATH as DIGITS_ONNX
from modelmint.weights import weights_hash
from modelmint.wire import HEADER_PAYMENT_REQUIRED, decode_payment_required

gateway = own_gateway(9)


def _second_version(path):
    """The digits model with one more metadata entry: the same inputs, another sha256."""
    model = onnx.load(str(DIGITS_ONNX))
    entry = model.metadata_props.add()
    entry.key, entry.value = "modelmint.release", "2"
    onnx.save(model, str(path))
    return path


def _info(url: str) -> dict:
    return httpx.get(url + "/.well-known/modelmint", timeout=5.0).json()


def test_publish_version__weights_dir__pending_then_served_old_payment_wrong_version(
    launch, protocol, model_owner, consumer, consumer_key, open_channel, tmp_path
):
    weights_dir = tmp_path / "weights"
    weights_dir.mkdir()
    shutil.copy(DIGITS_ONNX, weights_dir / "v1.onnx")
    v2 = _second_version(tmp_path / "v2.onnx")
    process = launch(weights_dir=weights_dir, refresh_interval=0.3)
    payer = Payer(process.url, consumer_key, open_channel(consumer, 20))
    assert payer.pay().status_code == 200
    protocol["registry"].publishVersion(
        protocol["model_id"], weights_hash(v2), "ipfs://digits-2", sender=model_owner
    )
    pending = wait_until(
        lambda: httpx.get(process.url + "/readyz", timeout=5.0).json().get("upgradePending"),
        "/readyz to report the published version as pending",
    )
    assert pending["version"] == 2
    assert _info(process.url)["version"] == 1  # still the old one: its weights are here
    assert "no file with sha256" in process.log()
    shutil.copy(v2, weights_dir / "v2.onnx")
    wait_until(lambda: _info(process.url)["version"] == 2, "the gateway to serve version 2")
    assert _info(process.url)["versionHash"] == "0x" + weights_hash(v2).hex()
    stale = payer.send(payer.payload(amount=1))  # signed for version 1
    assert stale.status_code == 402
    required = decode_payment_required(stale.headers[HEADER_PAYMENT_REQUIRED])
    assert required.error == "wrong_version"
    assert required.accepts[0].extra.version == 2
    payer.discover()
    assert payer.pay().status_code == 200
    assert process.stop() in (0, -15)  # uvicorn re-raises SIGTERM after its shutdown
    # Settle with the record, the key and the store only: no weights, no version.
    settled = subprocess.run(
        [sys.executable, "-m", "modelmint.gateway", "settle", "--once", "--force"],
        env=process.env,
        capture_output=True,
        text=True,
        timeout=WAIT_CEILING * 2,
    )
    assert settled.returncode == 0, settled.stderr[-2000:]
    assert protocol["credits"].channel(payer.channel_id).settled == payer.charged == 2
