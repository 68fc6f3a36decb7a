// A paying Modelmint client in JavaScript (ethers v6, Node 20), written from docs/GATEWAY.md
// alone: no Python. It opens a channel with `buyAndOpenChannel` at the lowest free salt (a
// channel's id is the hash of its terms: consumer, gateway, model, salt), signs EIP-712 receipts, pays
// a call, checks the PAYMENT-RESPONSE and the provenance, then runs into `above_deposit` and
// gets out of it the way GATEWAY.md says (top up, send the same payment again).
//
//   MODELMINT_GATEWAY=http://127.0.0.1:8402 MODELMINT_RPC=http://127.0.0.1:8545 \
//   MODELMINT_KEY=0x<consumer key> node docs/examples/pay.mjs
//
// Optional: MODELMINT_DEPOSIT (credits to lock at first, default 4), MODELMINT_TTL (seconds the
// channel stays open, default 86400). Prints one JSON line per step (the worked example of
// GATEWAY.md is such a run); exits 1 with one line on stderr when a rule is broken.
// tests/gateway/test_js_client.py runs it against a real gateway.

import { ethers } from "ethers";

const GATEWAY = process.env.MODELMINT_GATEWAY ?? "http://127.0.0.1:8402";
const RPC = process.env.MODELMINT_RPC ?? "http://127.0.0.1:8545";
const DEPOSIT = BigInt(process.env.MODELMINT_DEPOSIT ?? "4");
const TTL = BigInt(process.env.MODELMINT_TTL ?? "86400");
const SCHEME = "modelmint-credits";

// The functions, event and errors used here, as quoted in GATEWAY.md (ethers reads Solidity
// signatures). The full ABI is modelmint/abi/UsageCredits.json.
const USAGE_CREDITS_ABI = [
  "function buyAndOpenChannel(uint256 modelId, address gateway, uint256 salt, uint256 credits, uint40 expiry) payable returns (uint256 channelId)",
  "function buyAndTopUpChannel((address consumer, address gateway, uint256 modelId, uint256 salt) terms, uint256 credits, uint40 newExpiry) payable",
  "function channel(uint256 channelId) view returns ((uint64 deposit, uint64 settled, uint32 expiry, address signer))",
  "function channelIdOf((address consumer, address gateway, uint256 modelId, uint256 salt) terms) pure returns (uint256)",
  "function GRACE_PERIOD() view returns (uint256)",
  "function receiptDigest(uint256 channelId, uint256 cumulativeCredits, uint256 deadline) view returns (bytes32)",
  "event ChannelOpened(uint256 indexed channelId, address indexed consumer, uint256 indexed modelId, address gateway, uint256 salt, uint256 credits, uint256 expiry, address signer)",
  "error UsageCreditsWrongPayment(uint256 expected, uint256 sent)",
  "error UsageCreditsInvalidExpiry(uint256 expiry, uint256 minimum)",
  "error UsageCreditsNotGateway(uint256 modelId, address gateway)",
  "error UsageCreditsSaleClosed(uint256 modelId)",
  "error UsageCreditsChannelExpired(uint256 channelId, uint256 expiry)",
];
const ERC20_ABI = ["function approve(address spender, uint256 value) returns (bool)"];

// EIP-712 types (GATEWAY.md, "Signed structs"); ethers adds EIP712Domain itself.
const RECEIPT_TYPES = {
  Receipt: [
    { name: "channelId", type: "uint256" },
    { name: "cumulativeCredits", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};
const SERVED_TYPES = {
  Served: [
    { name: "requestHash", type: "bytes32" },
    { name: "responseHash", type: "bytes32" },
    { name: "modelId", type: "uint256" },
    { name: "version", type: "uint32" },
    { name: "versionHash", type: "bytes32" },
    { name: "account", type: "address" },
    { name: "channelId", type: "uint256" },
    { name: "charged", type: "uint256" },
    { name: "chargedTotal", type: "uint256" },
    { name: "servedAt", type: "uint64" },
  ],
};

const toHeader = (value) => Buffer.from(JSON.stringify(value)).toString("base64");
const fromHeader = (value) => JSON.parse(Buffer.from(value, "base64").toString("utf8"));
const show = (step, fields) =>
  console.log(JSON.stringify({ step, ...fields }, (_, v) => (typeof v === "bigint" ? v.toString() : v)));

function fail(message) {
  console.error(`error: ${message}`);
  process.exit(1);
}

async function predict(body, payment) {
  const text = JSON.stringify(body); // these exact bytes are what the provenance hashes
  const headers = { "content-type": "application/json" };
  if (payment) headers["PAYMENT-SIGNATURE"] = toHeader(payment);
  const answer = await fetch(`${GATEWAY}/v1/predict`, { method: "POST", headers, body: text });
  const content = new Uint8Array(await answer.arrayBuffer());
  return { status: answer.status, headers: answer.headers, content, sent: text };
}

function paymentRequired(answer) {
  if (answer.status !== 402) fail(`expected 402, got ${answer.status}`);
  return fromHeader(answer.headers.get("PAYMENT-REQUIRED"));
}

// A batch of `n` digit images (64 pixels each, values 0..16).
const batch = (n) => ({ inputs: Array.from({ length: n }, (_, i) => Array.from({ length: 64 }, (_, j) => (i + j) % 17)) });

// cacheTimeout -1: no cached answers (a nonce read twice within 250 ms would be reused).
const provider = new ethers.JsonRpcProvider(RPC, undefined, { cacheTimeout: -1 });
const wallet = new ethers.Wallet(process.env.MODELMINT_KEY ?? fail("MODELMINT_KEY is not set"), provider);
const { chainId } = await provider.getNetwork();

// 1. Ask without paying: the 402 names the contract, the gateway, the price and the domain.
const first = batch(3);
const required = paymentRequired(await predict(first));
show("payment_required", { body: required });
const req = required.accepts.find((r) => r.scheme === SCHEME && r.network === `eip155:${chainId}`);
if (!req) fail(`no ${SCHEME} requirement on eip155:${chainId}`);
const { modelId, creditValue, paymentAsset, receiptDomain, creditsPerItem } = req.extra;
const credits = new ethers.Contract(req.asset, USAGE_CREDITS_ABI, wallet);

// A channel's id: uint256(keccak256(abi.encode(consumer, gateway, modelId, salt))).
const channelIdOf = (consumer, gateway, id, salt) =>
  BigInt(ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["address", "address", "uint256", "uint256"], [consumer, gateway, id, salt])));

// 2. Open a channel and pay into it in one transaction: price = credits x creditValue, exact.
// Its salt is the lowest whose channel was never opened (a closed channel keeps its slot).
let salt = 0n;
while ((await credits.channel(channelIdOf(wallet.address, req.payTo, modelId, salt))).deposit !== 0n) salt++;
const channelId = channelIdOf(wallet.address, req.payTo, modelId, salt);
if (channelId !== (await credits.channelIdOf([wallet.address, req.payTo, modelId, salt]))) fail("channel id differs from the contract's");
const price = DEPOSIT * BigInt(creditValue);
const eth = paymentAsset === ethers.ZeroAddress;
if (!eth) await (await new ethers.Contract(paymentAsset, ERC20_ABI, wallet).approve(req.asset, price)).wait();
const now = BigInt((await provider.getBlock("latest")).timestamp);
let expiry = now + TTL; // must be > block.timestamp and < 2^32
const grace = await credits.GRACE_PERIOD();
const tx = await credits.buyAndOpenChannel(modelId, req.payTo, salt, DEPOSIT, expiry, { value: eth ? price : 0n });
const mined = await tx.wait();
const opened = mined.logs.map((log) => credits.interface.parseLog(log)).find((e) => e?.name === "ChannelOpened");
if (opened.args.channelId !== channelId) fail("ChannelOpened names another channel");
show("channel_opened", { tx: mined.hash, channelId, salt, deposit: DEPOSIT, value: eth ? price : 0n, expiry, gracePeriod: grace });

// 3. Sign a receipt: cumulativeCredits = charged + amount, amount = creditsPerItem x items.
let charged = 0n;
const deadline = expiry + grace; // settleable until the channel's settlement window ends
async function pay(body, channel = channelId, until = deadline) {
  const amount = BigInt(creditsPerItem) * BigInt(body.inputs.length);
  const message = { channelId: channel, cumulativeCredits: charged + amount, deadline: until };
  const signature = await wallet.signTypedData(receiptDomain, RECEIPT_TYPES, message);
  const typedData = { domain: receiptDomain, primaryType: "Receipt", types: RECEIPT_TYPES, message };
  const digest = ethers.TypedDataEncoder.hash(receiptDomain, RECEIPT_TYPES, message);
  if (digest !== (await credits.receiptDigest(channel, message.cumulativeCredits, until))) fail("receipt digest differs from the contract's");
  const payment = {
    x402Version: 2,
    accepted: { ...req, amount: amount.toString() },
    payload: {
      channelId: channel.toString(),
      consumer: wallet.address, // the channel's terms the gateway cannot know: consumer and salt
      salt: salt.toString(),
      cumulativeCredits: message.cumulativeCredits.toString(),
      deadline: until.toString(),
      signature,
    },
  };
  return { payment, typedData, digest, signature, amount };
}

// 4. Check a paid answer: the charge is within the ceiling, the total moved by exactly it, and
// the gateway signed what it served (request and response bytes, model, channel, amounts).
function accept(answer, signed) {
  if (answer.status !== 200) fail(`expected 200, got ${answer.status}: ${new TextDecoder().decode(answer.content)}`);
  const paid = fromHeader(answer.headers.get("PAYMENT-RESPONSE"));
  const cost = BigInt(paid.chargedCredits);
  if (cost > signed.amount) fail(`charged ${cost} above the amount ${signed.amount}`);
  if (BigInt(paid.channel.charged) !== charged + cost) fail("the running total did not move by the charge");
  const proof = fromHeader(answer.headers.get("MODELMINT-PROVENANCE"));
  const domain = { name: "Modelmint Provenance", version: "1", chainId, verifyingContract: req.payTo };
  const signer = ethers.verifyTypedData(domain, SERVED_TYPES, proof.served, proof.signature);
  if (signer !== ethers.getAddress(req.payTo)) fail("provenance not signed by the gateway");
  if (proof.served.requestHash !== ethers.keccak256(ethers.toUtf8Bytes(answer.sent))) fail("provenance covers another request");
  if (proof.served.responseHash !== ethers.keccak256(answer.content)) fail("provenance covers another response");
  if (BigInt(proof.served.chargedTotal) !== charged + cost) fail("provenance states another total");
  charged += cost;
  return { paymentResponse: paid, provenance: proof };
}

const signed = await pay(first);
show("receipt_signed", { typedData: signed.typedData, digest: signed.digest, signature: signed.signature, paymentSignature: signed.payment });
const answer = await predict(first, signed.payment);
show("paid", { ...accept(answer, signed), outputs: JSON.parse(new TextDecoder().decode(answer.content)).outputs });

// 5. A second batch of 3 needs a ceiling of 6 > deposit 4: `above_deposit`.
const second = batch(3);
const over = await pay(second);
const refused = paymentRequired(await predict(second, over.payment));
show("above_deposit", { body: refused });
if (refused.error !== "above_deposit") fail(`expected above_deposit, got ${refused.error}`);
// Adopting `charged` from the corrective 402 and signing again gives the same ceiling: refused again.
charged = BigInt(refused.accepts[0].extra.channel.charged);
const again = paymentRequired(await predict(second, (await pay(second)).payment));
show("signed_again", { error: again.error });

// 6. The way out: top up by what is missing (newExpiry >= the current expiry; here the same),
// then send the same payment again (or open a new channel).
const state = refused.accepts[0].extra.channel;
const missing = BigInt(over.payment.payload.cumulativeCredits) - BigInt(state.deposit);
const terms = [wallet.address, req.payTo, modelId, salt]; // ChannelTerms(consumer, gateway, modelId, salt)
const topUp = await credits.buyAndTopUpChannel(terms, missing, expiry, { value: eth ? missing * BigInt(creditValue) : 0n });
await topUp.wait();
show("topped_up", { tx: topUp.hash, added: missing, value: missing * BigInt(creditValue), newExpiry: expiry });
const retried = await predict(second, over.payment);
show("paid", { ...accept(retried, over), outputs: JSON.parse(new TextDecoder().decode(retried.content)).outputs });
const onChain = await credits.channel(channelId);
show("done", { channelId, charged, deposit: onChain.deposit, settled: onChain.settled, expiry: onChain.expiry });
