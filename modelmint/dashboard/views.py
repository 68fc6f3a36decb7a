"""What the dashboard's pages show: indexed history joined with state read from the contracts.

Plain functions of an ``Indexer`` and a ``web3.Web3``, testable without HTTP:

    >>> views = Views(w3, record, indexer)
    >>> views.catalog(query="resnet", sort="price", descending=False)
    >>> views.model(1)["offers"]
    >>> views.account("0xabc...")["licences"]
    >>> views.protocol()["proposals"]

The catalog is built from the index alone (one pass over the registry's events, cached
until the index changes) so it stays fast with thousands of models; the model, account and
protocol pages read current state (prices, balances, proposal states) from the contracts.
"""

from __future__ import annotations

import enum
import time
from typing import Any, cast

import httpx
from eth_typing import ChecksumAddress
from eth_utils import is_address, to_checksum_address
from web3 import Web3
from web3.exceptions import ContractLogicError

from modelmint.abi import load_abi
from modelmint.credits import Channel
from modelmint.dashboard.indexer import RECORD_CONTRACTS, Indexer
from modelmint.records import Record

ZERO = "0x0000000000000000000000000000000000000000"
MODEL_STATUS = ("Active", "Retired")  # IModelRegistry.ModelStatus
PROPOSAL_STATE = (
    "Pending",
    "Active",
    "Canceled",
    "Defeated",
    "Succeeded",
    "Queued",
    "Expired",
    "Executed",
)
SORT_KEYS = ("id", "name", "owner", "price", "creditValue", "version", "registeredAt")


class ErrorCode(enum.Enum):
    """Named errors of the dashboard API, each with its HTTP status."""

    unknown_model = "unknown_model"
    bad_address = "bad_address"
    bad_query = "bad_query"
    not_deployed = "not_deployed"
    chain_unavailable = "chain_unavailable"

    @property
    def status(self) -> int:
        return _STATUS[self]


_STATUS = {
    ErrorCode.unknown_model: 404,
    ErrorCode.bad_address: 400,
    ErrorCode.bad_query: 400,
    ErrorCode.not_deployed: 503,
    ErrorCode.chain_unavailable: 503,
}
MAX_MODEL_ID = 2**64 - 1  # model ids are uint64 in the contracts' packed records


class ViewError(Exception):
    """A request the views cannot answer; ``code`` names why."""

    def __init__(self, code: ErrorCode, detail: str):
        super().__init__(detail)
        self.code = code
        self.detail = detail


def _address(value: str) -> ChecksumAddress:
    if not isinstance(value, str) or not is_address(value):
        raise ViewError(ErrorCode.bad_address, f"not an address: {value!r}")
    return to_checksum_address(value)


def _contract(w3: Web3, address: str, kind: str) -> Any:
    """A web3 contract for the exported ABI ``kind`` at ``address``."""
    return w3.eth.contract(address=to_checksum_address(address), abi=cast(Any, load_abi(kind)))


def _status(value: int) -> str:
    return MODEL_STATUS[value] if 0 <= value < len(MODEL_STATUS) else str(value)


def _int(value: Any) -> int:
    return int(value) if value is not None else 0


class Views:
    """The page queries of one deployment."""

    def __init__(
        self,
        w3: Web3,
        record: Record,
        indexer: Indexer,
        *,
        gateway_urls: dict[str, str] | None = None,
        gateway_info_path: str = "/info",
    ):
        self.w3 = w3
        self.record = record
        self.indexer = indexer
        self.gateway_urls = {to_checksum_address(k): v for k, v in (gateway_urls or {}).items()}
        self.gateway_info_path = gateway_info_path
        self.c: dict[str, Any] = {}
        for step, kind in RECORD_CONTRACTS.items():
            address = record.address(step)
            if address:
                self.c[step] = _contract(w3, address, kind)
        timelock = record.address("timelock")
        if timelock:
            self.c["timelock"] = _contract(w3, timelock, "ProtocolTimelock")
        self._catalog_cache: tuple[int, list[dict]] | None = None

    def _need(self, step: str) -> Any:
        if step not in self.c:
            raise ViewError(ErrorCode.not_deployed, f"{step} is not in the deployment record")
        return self.c[step]

    def addresses(self) -> dict[str, str]:
        """Every recorded contract address by step name (the front-end's wiring)."""
        return {step: contract.address for step, contract in self.c.items()}

    # ---------------------------------------------------------------------- catalog

    def _models(self) -> list[dict]:
        """Every registered model folded from the index; cached per index generation."""
        generation = self.indexer.generation
        if self._catalog_cache and self._catalog_cache[0] == generation:
            return self._catalog_cache[1]
        registry = self.c.get("registry")
        models: dict[int, dict] = {}
        wanted = (
            "ModelRegistered",
            "VersionPublished",
            "ModelStatusChanged",
            "ModelFlagged",
            "GatewaySet",
            "Transfer",
            "OfferCreated",
            "OfferPriceChanged",
            "OfferPausedSet",
            "CreditsEnabled",
            "ModelFractionalized",
        )
        offers: dict[int, dict] = {}
        for ev in self.indexer.events(event=wanted):
            a = ev.args
            if ev.event == "ModelRegistered":
                models[a["modelId"]] = {
                    "id": a["modelId"],
                    "owner": a["owner"],
                    "paymentAsset": a["paymentAsset"],
                    "metadataURI": a["metadataURI"],
                    "registeredAt": ev.timestamp,
                    "version": 0,
                    "weightsHash": None,
                    "versionURI": None,
                    "status": "Active",
                    "flagged": False,
                    "gateways": [],
                    "offers": [],
                    "creditValue": None,
                    "fractionalized": False,
                }
                continue
            if ev.event == "Transfer" and registry is not None and ev.address == registry.address:
                if a["tokenId"] in models:
                    models[a["tokenId"]]["owner"] = a["to"]
                continue
            if ev.event in ("OfferPriceChanged", "OfferPausedSet"):
                offer = offers.get(_int(a["offerId"]))
                if offer is not None:
                    offer.update(
                        {"price": _int(a["newPrice"])}
                        if ev.event == "OfferPriceChanged"
                        else {"paused": a["paused"]}
                    )
                continue
            m = models.get(ev.model_id) if ev.model_id is not None else None
            if m is None:
                continue
            if ev.event == "VersionPublished":
                if a["version"] >= m["version"]:
                    m.update(
                        version=a["version"], weightsHash=a["weightsHash"], versionURI=a["uri"]
                    )
            elif ev.event == "ModelStatusChanged":
                m["status"] = _status(a["status"])
            elif ev.event == "ModelFlagged":
                m["flagged"] = a["flagged"]
            elif ev.event == "GatewaySet":
                gateways = [g for g in m["gateways"] if g != a["gateway"]]
                m["gateways"] = gateways + [a["gateway"]] if a["allowed"] else gateways
            elif ev.event == "OfferCreated":
                offer = {
                    "id": _int(a["offerId"]),
                    "price": _int(a["price"]),
                    "duration": _int(a["duration"]),
                    "commercial": a["commercial"],
                    "paused": False,
                    "termsURI": a["termsURI"],
                }
                offers[offer["id"]] = offer
                m["offers"].append(offer)
            elif ev.event == "CreditsEnabled":
                m["creditValue"] = _int(a["creditValue"])
            elif ev.event == "ModelFractionalized":
                m["fractionalized"] = True
        result = sorted(models.values(), key=lambda m: m["id"])
        for m in result:
            live = [o["price"] for o in m["offers"] if not o["paused"]]
            m["minPrice"] = min(live) if live else None
        self._catalog_cache = (generation, result)
        return result

    def catalog(
        self,
        *,
        query: str = "",
        sort: str = "id",
        descending: bool = False,
        offset: int = 0,
        limit: int = 100,
    ) -> dict:
        """Models matching ``query`` (id, metadata URI, owner, weights hash), sorted, paged."""
        if sort not in SORT_KEYS:
            raise ViewError(ErrorCode.bad_query, f"sort must be one of {', '.join(SORT_KEYS)}")
        if not (offset >= 0 and 1 <= limit <= 1000):
            raise ViewError(ErrorCode.bad_query, "offset >= 0 and 1 <= limit <= 1000")
        rows = self._models()
        needle = query.strip().lower()
        if needle:
            rows = [
                m
                for m in rows
                if needle == str(m["id"])
                or needle in m["metadataURI"].lower()
                or needle in m["owner"].lower()
                or needle in (m["weightsHash"] or "")
            ]
        field = {"name": "metadataURI", "price": "minPrice"}.get(sort, sort)
        missing = float("inf") if not descending else float("-inf")
        rows = sorted(
            rows,
            key=lambda m: missing if m[field] is None else m[field],
            reverse=descending,
        )
        return {
            "total": len(rows),
            "offset": offset,
            "models": rows[offset : offset + limit],
            "indexedTo": self.indexer.cursor,
        }

    # ---------------------------------------------------------------- gateways

    def gateway_status(self, gateway: str, timeout: float = 1.5) -> dict:
        """Live/dead from the gateway's info route; ``unknown`` when no URL is configured."""
        gateway = _address(gateway)
        url = self.gateway_urls.get(gateway)
        if url is None:
            return {"gateway": gateway, "url": None, "status": "unknown"}
        target = url.rstrip("/") + self.gateway_info_path
        try:
            response = httpx.get(target, timeout=timeout)
            status = "live" if response.status_code == 200 else "dead"
        except httpx.HTTPError:
            status = "dead"
        return {"gateway": gateway, "url": url, "status": status}

    # ---------------------------------------------------------------------- model

    def model(self, model_id: int) -> dict:
        """One model: current state from the contracts, history and revenue from the index."""
        registry = self._need("registry")
        if not 0 <= model_id <= MAX_MODEL_ID or not registry.functions.exists(model_id).call():
            raise ViewError(ErrorCode.unknown_model, f"no model {model_id}")
        indexed = next((m for m in self._models() if m["id"] == model_id), None)
        info = registry.functions.model(model_id).call()
        asset, version_count, status, flagged, registered_at = info
        latest, weights = registry.functions.latestVersion(model_id).call()
        versions = [
            {
                "version": ev.args["version"],
                "weightsHash": ev.args["weightsHash"],
                "uri": ev.args["uri"],
                "block": ev.block_number,
                "timestamp": ev.timestamp,
            }
            for ev in self.indexer.events(event="VersionPublished", model_id=model_id)
        ]
        offers = []
        licenses = self.c.get("licenses")
        for ev in self.indexer.events(event="OfferCreated", model_id=model_id):
            offer_id = _int(ev.args["offerId"])
            o = licenses.functions.offer(offer_id).call() if licenses else None
            offers.append(
                {
                    "id": offer_id,
                    "price": o[1] if o else _int(ev.args["price"]),
                    "duration": o[2] if o else _int(ev.args["duration"]),
                    "versionPin": o[3] if o else ev.args["versionPin"],
                    "supplyCap": o[4] if o else ev.args["supplyCap"],
                    "sold": o[5] if o else 0,
                    "saleEnds": o[6] if o else ev.args["saleEnds"],
                    "commercial": o[7] if o else ev.args["commercial"],
                    "transferable": o[8] if o else ev.args["transferable"],
                    "paused": o[9] if o else False,
                    "termsURI": ev.args["termsURI"],
                }
            )
        credits = None
        if "credits" in self.c:
            mc = self.c["credits"].functions.modelCredits(model_id).call()
            credits = {
                "asset": mc[0],
                "creditValue": mc[1],
                "minted": mc[2],
                "redeemed": mc[3],
                "channelled": mc[4],
                "consumed": mc[5],
                "enabled": mc[1] > 0,
            }
        gateways = indexed["gateways"] if indexed else []
        gateways = [g for g in gateways if registry.functions.isGateway(model_id, g).call()]
        split = self._split(model_id)
        revenue = self._revenue(model_id)
        shares = self._shares(model_id)
        return {
            "id": model_id,
            "owner": registry.functions.ownerOf(model_id).call(),
            "paymentAsset": asset,
            "metadataURI": indexed["metadataURI"] if indexed else None,
            "versionCount": version_count,
            "status": _status(status),
            "flagged": flagged,
            "registeredAt": registered_at,
            "saleOpen": registry.functions.isSaleOpen(model_id).call(),
            "latestVersion": latest,
            "weightsHash": "0x" + bytes(weights).hex(),
            "versions": versions,
            "offers": offers,
            "credits": credits,
            "gateways": gateways,
            "split": split,
            "revenue": revenue,
            "shares": shares,
        }

    def _split(self, model_id: int) -> list[dict]:
        sets = self.indexer.events(event="RecipientsSet", model_id=model_id)
        router = self.c.get("router")
        if not sets:
            owner = self.c["registry"].functions.ownerOf(model_id).call()
            return [{"recipient": owner, "weight": 1, "share": 1.0, "default": True}]
        last = sets[-1].args
        total = sum(last["weights"]) or 1
        return [
            {
                "recipient": r,
                "weight": router.functions.weightOf(model_id, r).call() if router else w,
                "share": w / total,
                "default": False,
            }
            for r, w in zip(last["recipients"], last["weights"], strict=True)
        ]

    def _revenue(self, model_id: int) -> dict:
        """Revenue over time from the router's payments (licence sales, settlements): per
        payment the gross amount, the protocol fee and the net to the split, cumulated."""
        points, net_total, fee_total = [], 0, 0
        for ev in self.indexer.events(event="PaymentReceived", model_id=model_id):
            amount, fee = _int(ev.args["amount"]), _int(ev.args["fee"])
            net_total += amount - fee
            fee_total += fee
            points.append(
                {
                    "block": ev.block_number,
                    "timestamp": ev.timestamp,
                    "amount": amount,
                    "fee": fee,
                    "cumulative": net_total,
                }
            )
        settled = sum(
            _int(ev.args["credits"])
            for ev in self.indexer.events(event="CreditsSettled", model_id=model_id)
        )
        return {"points": points, "total": net_total, "fees": fee_total, "settledCredits": settled}

    def _shares(self, model_id: int) -> dict | None:
        frac = self.indexer.events(event="ModelFractionalized", model_id=model_id)
        if not frac:
            return None
        a = frac[-1].args
        shares = _contract(self.w3, a["shares"], "ModelShares")
        holders: set[str] = set()
        for ev in self.indexer.events(event="Transfer", address=a["shares"]):
            holders.add(ev.args["to"])
        holders.discard(ZERO)
        supply = shares.functions.totalSupply().call()
        rows = []
        for h in sorted(holders):
            balance = shares.functions.balanceOf(h).call()
            if balance:
                rows.append({"holder": h, "balance": balance, "share": balance / supply})
        rows.sort(key=lambda r: -r["balance"])
        governor = _contract(self.w3, a["governor"], "ModelGovernor")
        return {
            "token": a["shares"],
            "symbol": shares.functions.symbol().call(),
            "supply": supply,
            "governor": a["governor"],
            "timelock": a["timelock"],
            "holders": rows,
            "proposals": self._proposals(governor),
        }

    # -------------------------------------------------------------------- proposals

    def _proposals(self, governor: Any) -> list[dict]:
        rows = []
        for ev in self.indexer.events(event="ProposalCreated", address=governor.address):
            a = ev.args
            pid = int(a["proposalId"])
            against, for_, abstain = governor.functions.proposalVotes(pid).call()
            state = governor.functions.state(pid).call()
            rows.append(
                {
                    "id": str(pid),
                    "governor": governor.address,
                    "proposer": a["proposer"],
                    "description": a["description"],
                    "targets": a["targets"],
                    "values": [str(v) for v in a["values"]],
                    "calldatas": a["calldatas"],
                    "descriptionHash": Web3.keccak(text=a["description"]).to_0x_hex(),
                    "voteStart": int(a["voteStart"]),
                    "voteEnd": int(a["voteEnd"]),
                    "state": PROPOSAL_STATE[state],
                    "votes": {"against": str(against), "for": str(for_), "abstain": str(abstain)},
                    "eta": governor.functions.proposalEta(pid).call(),
                }
            )
        return rows

    # --------------------------------------------------------------------- protocol

    def protocol(self) -> dict:
        """Fee, treasury, allow-listed tokens, flagged models and protocol proposals."""
        router = self._need("router")
        registry = self._need("registry")
        tokens = {ev.args["token"] for ev in self.indexer.events(event="PaymentTokenAllowed")}
        allowed = sorted(t for t in tokens if registry.functions.isPaymentTokenAllowed(t).call())
        flagged = [m["id"] for m in self._models() if m["flagged"]]
        governor = self.c.get("governor")
        return {
            "feeBps": router.functions.feeBps().call(),
            "maxFeeBps": router.functions.MAX_FEE_BPS().call(),
            "treasury": router.functions.treasury().call(),
            "governance": registry.functions.governance().call(),
            "allowedTokens": allowed,
            "flaggedModels": flagged,
            "governor": governor.address if governor else None,
            "proposals": self._proposals(governor) if governor else [],
            "chainTime": self.w3.eth.get_block("latest")["timestamp"],
        }

    # ---------------------------------------------------------------------- account

    def account(self, account: str) -> dict:
        """Licences, credits, channels, claimable revenue, delegation and votes of ``account``."""
        account = _address(account)
        now = self.w3.eth.get_block("latest")["timestamp"]
        licences = []
        licenses = self.c.get("licenses")
        if licenses is not None:
            ids = {
                int(ev.args["tokenId"])
                for ev in self.indexer.events(event="Transfer", address=licenses.address)
                if ev.args["to"] == account
            }
            for lid in sorted(ids):
                try:
                    if licenses.functions.ownerOf(lid).call() != account:
                        continue
                except ContractLogicError:  # indexed from blocks a reorg has just removed
                    continue
                offer_id, model_id, expiry, pin, commercial, transferable = (
                    licenses.functions.license(lid).call()
                )
                price = licenses.functions.offer(offer_id).call()[1]
                licences.append(
                    {
                        "id": lid,
                        "offerId": offer_id,
                        "modelId": model_id,
                        "expiry": expiry,
                        "perpetual": expiry == 2**64 - 1,
                        "valid": expiry > now,
                        "commercial": commercial,
                        "renewPrice": price,
                    }
                )
        credits_rows, channels = [], []
        credits = self.c.get("credits")
        if credits is not None:
            enabled = self.indexer.events(event="CreditsEnabled")
            credit_models = [int(ev.args["modelId"]) for ev in enabled]
            balances = (
                credits.functions.balanceOfBatch(
                    [account] * len(credit_models), credit_models
                ).call()
                if credit_models
                else []
            )
            for ev, balance in zip(enabled, balances, strict=True):
                if balance:
                    credits_rows.append(
                        {
                            "modelId": ev.model_id,
                            "balance": balance,
                            "creditValue": _int(ev.args["creditValue"]),
                        }
                    )
            grace = credits.functions.GRACE_PERIOD().call()
            for ev in self.indexer.events(event="ChannelOpened"):
                if ev.args["consumer"] != account:
                    continue
                cid = int(ev.args["channelId"])
                ch = Channel.from_call(cid, credits.functions.channel(cid).call())
                consumer, expiry, deposit, settled = ch.consumer, ch.expiry, ch.deposit, ch.settled
                open_expiry = int(ev.args["expiry"])
                channels.append(
                    {
                        "id": cid,
                        "modelId": int(ev.args["modelId"]),
                        "gateway": ev.args["gateway"],
                        "deposit": deposit,
                        "settled": settled,
                        "expiry": expiry or open_expiry,
                        "closed": consumer == ZERO or expiry == 0,
                        "closable": consumer != ZERO and expiry != 0 and now >= expiry + grace,
                        "closableAt": expiry + grace if expiry else None,
                    }
                )
        claimable = []
        router = self.c.get("router")
        if router is not None:
            models = {
                int(ev.args["modelId"])
                for ev in self.indexer.events(event="RecipientsSet")
                if account in ev.args["recipients"]
            }
            models |= {m["id"] for m in self._models() if m["owner"] == account}
            ordered = sorted(models)
            for model, amount in zip(
                ordered,
                self._batch([router.functions.claimable(m, account) for m in ordered]),
                strict=True,
            ):
                if amount:
                    claimable.append({"kind": "router", "modelId": model, "amount": amount})
        holdings = []
        for address, _kind, mid in self.indexer.contracts("ModelShares"):
            shares = _contract(self.w3, address, "ModelShares")
            balance = shares.functions.balanceOf(account).call()
            amount = shares.functions.claimable(account).call()
            if amount:
                claimable.append(
                    {"kind": "shares", "modelId": mid, "token": address, "amount": amount}
                )
            if balance:
                holdings.append(
                    {
                        "modelId": mid,
                        "token": address,
                        "balance": balance,
                        "delegate": shares.functions.delegates(account).call(),
                        "votes": shares.functions.getVotes(account).call(),
                        # revenue still unlocking for whoever holds the shares meanwhile
                        "lockedRevenue": str(shares.functions.lockedRevenue().call()),
                        "unlockEnd": shares.functions.unlockEnd().call(),
                    }
                )
        governance = None
        if "gov_token" in self.c:
            token = self.c["gov_token"]
            governance = {
                "token": token.address,
                "balance": str(token.functions.balanceOf(account).call()),
                "delegate": token.functions.delegates(account).call(),
                "votes": str(token.functions.getVotes(account).call()),
            }
        return {
            "account": account,
            "chainTime": now,
            "balance": self.w3.eth.get_balance(account),
            "licences": licences,
            "credits": credits_rows,
            "channels": channels,
            "claimable": claimable,
            "shares": holdings,
            "governance": governance,
        }

    def _batch(self, calls: list, size: int = 200) -> list:
        """Results of view ``calls`` sent as JSON-RPC batches (one round trip per ``size``)."""
        results: list = []
        for start in range(0, len(calls), size):
            with self.w3.batch_requests() as batch:
                for call in calls[start : start + size]:
                    batch.add(call)
                results += batch.execute()
        return results

    def status(self) -> dict:
        """Index progress against the chain head."""
        head = self.w3.eth.block_number
        return {
            "chainId": self.w3.eth.chain_id,
            "head": head,
            "indexedTo": self.indexer.cursor,
            "confirmations": self.indexer.confirmations,
            "time": int(time.time()),
        }
