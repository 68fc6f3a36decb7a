// The playground of a model's page: a visitor with a browser wallet tries the model. The input
// comes from the model's card (its example; a square numeric item, like the digits model's 8x8
// image, is drawn on a canvas and downsampled to the model's input). The call is paid exactly as
// any API call (docs/GATEWAY.md): the gateway's 402 names the price and the receipt domain, a
// channel of the wallet on that gateway with room is reused (found on chain by walking the salts
// of its terms: a channel's id is the hash of consumer, gateway, model and salt) or one is opened
// with `buyAndOpenChannel` at the lowest free salt, the wallet signs the cumulative receipt with eth_signTypedData_v4 (the
// types from /api/eip712, declared once in modelmint/eip712.py's structs), the corrective 402s are
// handled as GATEWAY.md says, and the answer is shown only once its provenance recovers to the
// gateway's advertised key over the exact request and response bytes, with what it cost.
import { ethers } from "/vendor/ethers.js";
import { esc, money } from "/static/format.js";

const SCHEME = "modelmint-credits";
const CELL = 24; // canvas pixels per input cell
const REUSE_MARGIN = 120; // a reused channel must stay open at least this long (seconds)
const bytesOf = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const header = (value) => btoa(JSON.stringify(value)); // our JSON is ASCII
const unheader = (value) => JSON.parse(new TextDecoder().decode(bytesOf(value)));
const same = (a, b) => !!a && !!b && ethers.getAddress(a) === ethers.getAddress(b);

// The item of the card's example, and whether it is a square image (n x n numbers).
function exampleItem(card) {
  const example = card?.input?.example;
  const item = Array.isArray(example?.inputs) ? example.inputs[0] : undefined;
  const side = Array.isArray(item) && item.every((v) => typeof v === "number") ? Math.sqrt(item.length) : 0;
  return { item, side: Number.isInteger(side) && side >= 4 ? side : 0 };
}

// What the chosen gateway is: its URL (the dashboard's configuration) and its terms.
async function gatewayOf(ctx, gateway) {
  const status = await ctx.api(`/api/gateways/${gateway}`);
  if (!status.url) throw new Error(`the dashboard knows no URL for gateway ${gateway}`);
  const terms = await (await fetch(`${status.url}/.well-known/modelmint`)).json();
  if (!same(terms.gateway, gateway)) throw new Error(`${status.url} answers for ${terms.gateway}, not ${gateway}`);
  return { url: status.url, terms };
}

// Local memory of the playground: the running total it saw charged on each channel.
const memory = {
  key: (ctx, what) => `modelmint.playground.${ctx.state.config.chainId}.${ctx.state.config.addresses.credits}.${what}`,
  charged(ctx, channelId) { return BigInt(localStorage.getItem(this.key(ctx, `charged.${channelId}`)) ?? "0"); },
  setCharged(ctx, channelId, charged) { localStorage.setItem(this.key(ctx, `charged.${channelId}`), String(charged)); },
};

// A channel's id: uint256(keccak256(abi.encode(consumer, gateway, modelId, salt))).
export const channelIdOf = (consumer, gateway, modelId, salt) =>
  BigInt(ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["address", "address", "uint256", "uint256"], [consumer, gateway, BigInt(modelId), BigInt(salt)])));

// The wallet's channels to `gateway` for model `m` (salts 0, 1, ... up to the first never
// opened, whose salt a new channel takes), read on chain: nothing local is needed.
async function walkChannels(ctx, credits, m, gateway) {
  const found = [];
  for (let salt = 0n; ; salt++) {
    const id = channelIdOf(ctx.state.account, gateway, m.id, salt);
    const c = await credits.channel(id);
    if (c.deposit === 0n) return { found, free: salt };
    found.push({ id, salt, expiry: c.expiry, deposit: c.deposit, settled: c.settled, signer: /^0x0{40}$/i.test(c.signer) ? ctx.state.account : c.signer });
  }
}

// An open channel of the wallet for this model and gateway with room for `amount` credits
// (newest first), and the salt a new one would take.
async function reusableChannel(ctx, credits, m, gateway, amount) {
  const { found, free } = await walkChannels(ctx, credits, m, gateway);
  const now = BigInt((await ctx.state.provider.getBlock("latest")).timestamp);
  for (const c of found.reverse()) {
    if (c.expiry === 0n || c.expiry <= now + BigInt(REUSE_MARGIN)) continue; // closed or ending
    const charged = [memory.charged(ctx, c.id), c.settled].reduce((a, b) => (a > b ? a : b));
    if (c.deposit - charged >= amount) return { channel: { ...c, charged, opened: false }, free };
  }
  return { channel: null, free };
}

// buyAndOpenChannel through the wallet: `deposit` credits to `gateway` for `hours`, at `salt`.
async function openChannel(ctx, credits, m, gateway, deposit, hours, salt) {
  const cost = deposit * BigInt(m.credits.creditValue);
  const eth = /^0x0{40}$/i.test(m.paymentAsset);
  ctx.notice(`Playground: opening a channel of ${deposit} credits (${ethers.formatUnits(cost, m.asset.decimals)} ${m.asset.symbol}), waiting for the wallet…`);
  if (!eth) await (await ctx.at(m.paymentAsset, "ERC20").approve(credits.target, cost)).wait();
  const now = BigInt((await ctx.state.provider.getBlock("latest")).timestamp);
  const tx = await credits.buyAndOpenChannel(BigInt(m.id), gateway, salt, deposit, now + BigInt(hours) * 3600n, { value: eth ? cost : 0n });
  const receipt = await tx.wait();
  const id = channelIdOf(ctx.state.account, gateway, m.id, salt);
  memory.setCharged(ctx, id, 0n);
  const c = await credits.channel(id);
  const signer = /^0x0{40}$/i.test(c.signer) ? ctx.state.account : c.signer;
  return { id, salt, expiry: c.expiry, deposit: c.deposit, charged: 0n, signer, opened: true, tx: receipt.hash };
}

// The wallet signs Receipt(channelId, charged + amount, expiry + grace) with eth_signTypedData_v4.
async function signReceipt(ctx, types, domain, channel, amount, grace) {
  const message = { channelId: channel.id.toString(), cumulativeCredits: (channel.charged + amount).toString(), deadline: (channel.expiry + grace).toString() };
  const document = { types: { EIP712Domain: types.EIP712Domain, Receipt: types.Receipt }, primaryType: "Receipt", domain, message };
  ctx.notice(`Playground: sign the receipt for the channel of salt ${channel.salt} (${message.cumulativeCredits} credits in all) in the wallet…`);
  const signature = await ctx.state.provider.send("eth_signTypedData_v4", [ctx.state.account.toLowerCase(), JSON.stringify(document)]);
  const signer = ethers.verifyTypedData(domain, { Receipt: types.Receipt }, message, signature);
  if (!same(signer, ctx.state.account) && !same(signer, channel.signer)) throw new Error(`the wallet signed as ${signer}, not ${ctx.state.account}`);
  return { ...message, signature };
}

// GATEWAY.md, "Corrective 402s": adopt the gateway's charged total only if its last receipt is
// this channel's signature over at least that total (or it equals what settled on chain).
function adoptCharged(types, domain, channel, extra, settled, account) {
  const charged = BigInt(extra.channel.charged);
  const last = extra.lastReceipt;
  if (charged !== settled) {
    if (!last || BigInt(last.cumulativeCredits) < charged) throw new Error(`the gateway claims ${charged} credits charged without a receipt for them`);
    const message = { channelId: channel.id.toString(), cumulativeCredits: last.cumulativeCredits, deadline: last.deadline };
    const signer = ethers.verifyTypedData(domain, { Receipt: types.Receipt }, message, last.signature);
    if (!same(signer, channel.signer) && !same(signer, account)) throw new Error(`the gateway's last receipt was signed by ${signer}`);
  }
  return charged;
}

// The gateway's provenance over this exact exchange, recovered to its advertised key.
function verifyProvenance(ctx, types, terms, gateway, proof, sent, content, channel, charged) {
  const domain = terms.domains.provenance;
  if (!same(domain.verifyingContract, gateway) || String(domain.chainId) !== String(ctx.state.config.chainId)) throw new Error("the provenance domain is not this gateway's on this chain");
  const signer = ethers.verifyTypedData(domain, { Served: types.Served }, proof.served, proof.signature);
  if (!same(signer, terms.gateway) || !same(signer, gateway)) throw new Error(`provenance signed by ${signer}, not the gateway ${gateway}`);
  const s = proof.served;
  if (s.requestHash !== ethers.keccak256(ethers.toUtf8Bytes(sent))) throw new Error("provenance names another request");
  if (s.responseHash !== ethers.keccak256(content)) throw new Error("provenance names another response");
  if (BigInt(s.channelId) !== channel.id || BigInt(s.charged) !== charged || !same(s.account, ctx.state.account)) throw new Error("provenance names another payment");
  return signer;
}

// One paid call: the 402, a channel, a receipt, the corrective 402s, then the checked answer.
async function call(ctx, m, gateway, { url, terms }, item, deposit, hours) {
  const types = await ctx.api("/api/eip712");
  const sent = JSON.stringify({ inputs: [item] }); // these exact bytes are what the provenance hashes
  const post = (headers = {}) => fetch(`${url}/v1/predict`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: sent });
  const first = await post();
  if (first.status !== 402) throw new Error(`the gateway answered ${first.status} to an unpaid call: ${await first.text()}`);
  const required = unheader(first.headers.get("PAYMENT-REQUIRED"));
  const req = required.accepts.find((r) => r.scheme === SCHEME && r.network === `eip155:${ctx.state.config.chainId}`);
  if (!req) throw new Error(`${required.error}: ${required.message} (no ${SCHEME} offer on this chain)`);
  if (!same(req.payTo, gateway) || String(req.extra.modelId) !== String(m.id) || !same(req.asset, ctx.state.config.addresses.credits)) throw new Error("the gateway's terms are not this model's");
  const amount = BigInt(req.extra.creditsPerItem); // one item
  const domain = req.extra.receiptDomain;
  const credits = ctx.contract("credits", "UsageCredits");
  const grace = await credits.GRACE_PERIOD();
  const reusable = await reusableChannel(ctx, credits, m, gateway, amount);
  let channel = reusable.channel ?? (await openChannel(ctx, credits, m, gateway, deposit > amount ? deposit : amount, hours, reusable.free));
  const opened = channel.opened ? channel : null;
  for (let attempt = 0; ; attempt++) {
    const receipt = await signReceipt(ctx, types, domain, channel, amount, grace);
    ctx.notice(`Playground: calling ${url}…`);
    // The payload names the channel's terms the gateway cannot know: consumer and salt.
    const payload = { ...receipt, consumer: ethers.getAddress(ctx.state.account), salt: channel.salt.toString() };
    const payment = { x402Version: 2, accepted: { ...req, amount: amount.toString() }, payload };
    const answer = await post({ "PAYMENT-SIGNATURE": header(payment) });
    if (answer.status === 200) {
      const content = new Uint8Array(await answer.arrayBuffer());
      const paid = unheader(answer.headers.get("PAYMENT-RESPONSE"));
      const cost = BigInt(paid.chargedCredits);
      if (cost > amount || BigInt(paid.channel.charged) !== channel.charged + cost) throw new Error(`the gateway charged ${cost} (total ${paid.channel.charged}) for a call of at most ${amount} from ${channel.charged}`);
      memory.setCharged(ctx, channel.id, BigInt(paid.channel.charged));
      const proof = unheader(answer.headers.get("MODELMINT-PROVENANCE"));
      const signer = verifyProvenance(ctx, types, terms, gateway, proof, sent, content, channel, cost);
      const body = JSON.parse(new TextDecoder().decode(content));
      return { outputs: body.outputs, cost, channel: { ...channel, charged: BigInt(paid.channel.charged) }, opened, signer, url };
    }
    const body = answer.status === 402 ? unheader(answer.headers.get("PAYMENT-REQUIRED")) : await answer.json().catch(() => ({}));
    const code = body.error?.code ?? body.error;
    const extra = body.accepts?.[0]?.extra;
    if (attempt === 0 && code === "cumulative_mismatch" && extra?.channel) {
      const onChain = await credits.channel(channel.id);
      channel = { ...channel, charged: adoptCharged(types, domain, channel, extra, onChain.settled, ctx.state.account) };
    } else if (attempt === 0 && code === "above_deposit") {
      const { free } = await walkChannels(ctx, credits, m, gateway); // signing again cannot help
      channel = await openChannel(ctx, credits, m, gateway, deposit > amount ? deposit : amount, hours, free);
    } else {
      throw new Error(`the gateway refused the payment: ${code}: ${body.message ?? body.error?.message ?? ""}`);
    }
  }
}

// ---------------------------------------------------------------------------- the section

export function playgroundSection(m) {
  if (!m.card || !m.credits?.enabled || !m.gateways.length) return "";
  const { item, side } = exampleItem(m.card);
  const perItem = BigInt(m.credits.creditsPerItem ?? 1);
  const input = side
    ? `<canvas id="pg-canvas" data-testid="playground-canvas" data-side="${side}" width="${side * CELL}" height="${side * CELL}"></canvas>
       <canvas id="pg-preview" data-testid="playground-preview" width="${side}" height="${side}" title="what the model sees: ${side}x${side}"></canvas>
       <div><button id="pg-clear" data-testid="playground-clear">Clear</button></div>`
    : `<textarea id="pg-json" data-testid="playground-json" rows="4" cols="60">${esc(JSON.stringify(item ?? null))}</textarea>`;
  return `<h3>Playground</h3>
    <div class="card playground" data-testid="playground">
      <p class="muted">${side ? `Draw ${esc(m.card.task === "image-classification" ? "an image" : "the input")} (${side}x${side} input, downsampled).` : "The card's example input (one item, JSON)."}
        A call costs ${perItem} credit${perItem === 1n ? "" : "s"} = ${money(perItem * BigInt(m.credits.creditValue), m.asset)}, paid from a channel of your wallet (reused when one has room).</p>
      <div class="row">
        <div>${input}</div>
        <div>Gateway <select id="pg-gateway" data-testid="playground-gateway">${m.gateways.map((g) => `<option value="${g}">${g}</option>`).join("")}</select><br>
          A new channel locks <input type="number" min="1" id="pg-deposit" data-testid="playground-deposit" value="${10n * perItem}"> credits for
          <input type="number" min="1" id="pg-hours" value="1"> h<br>
          <button id="pg-run" data-testid="playground-run">Run (pay one call)</button></div>
        <div id="pg-result" data-testid="playground-result"></div>
      </div>
    </div>`;
}

// Canvas drawing and its downsampling: each cell's ink (mean alpha) scaled to [min, max].
function wireCanvas(canvas, preview) {
  const g = canvas.getContext("2d");
  g.lineWidth = CELL * 1.1; g.lineCap = "round"; g.lineJoin = "round"; g.strokeStyle = "#000";
  let drawing = false;
  const point = (e) => { const r = canvas.getBoundingClientRect(); return [(e.clientX - r.left) * (canvas.width / r.width), (e.clientY - r.top) * (canvas.height / r.height)]; };
  canvas.addEventListener("pointerdown", (e) => { drawing = true; canvas.setPointerCapture(e.pointerId); g.beginPath(); g.moveTo(...point(e)); g.lineTo(...point(e)); g.stroke(); });
  canvas.addEventListener("pointermove", (e) => { if (drawing) { g.lineTo(...point(e)); g.stroke(); } });
  const end = () => { drawing = false; show(); };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  const side = Number(canvas.dataset.side);
  const ink = () => {
    const data = g.getImageData(0, 0, canvas.width, canvas.height).data;
    const out = new Array(side * side).fill(0);
    for (let y = 0; y < canvas.height; y++) for (let x = 0; x < canvas.width; x++) out[Math.floor(y / CELL) * side + Math.floor(x / CELL)] += data[(y * canvas.width + x) * 4 + 3] / 255;
    return out.map((v) => v / (CELL * CELL));
  };
  const show = () => {
    const p = preview.getContext("2d"), img = p.createImageData(side, side);
    ink().forEach((v, i) => { img.data.set([255 - 255 * v, 255 - 255 * v, 255 - 255 * v, 255], i * 4); });
    p.putImageData(img, 0, 0);
  };
  show();
  return {
    clear() { g.clearRect(0, 0, canvas.width, canvas.height); show(); },
    item(spec) {
      const lo = Number(spec?.min ?? 0), hi = Number(spec?.max ?? 1);
      const whole = Number.isInteger(lo) && Number.isInteger(hi) && hi - lo > 1;
      return ink().map((v) => (whole ? Math.round(lo + v * (hi - lo)) : lo + v * (hi - lo)));
    },
  };
}

function showResult(ctx, m, r, item) {
  const labels = m.card.labels ?? [];
  const label = Array.isArray(r.outputs.label) ? r.outputs.label[0] : undefined;
  const probability = Array.isArray(r.outputs.probabilities?.[0]) && label !== undefined ? r.outputs.probabilities[0][label] : undefined;
  const answer = label !== undefined ? `${esc(labels[label] ?? label)}${probability !== undefined ? ` <span class="muted">(p = ${probability.toFixed(3)})</span>` : ""}` : `<pre class="mono">${esc(JSON.stringify(r.outputs))}</pre>`;
  const box = document.getElementById("pg-result");
  box.innerHTML = `<div>Answer <b class="answer" data-testid="playground-answer" data-label="${esc(label ?? "")}">${answer}</b></div>
    <div data-testid="playground-cost" data-credits="${r.cost}">Cost ${r.cost} credit${r.cost === 1n ? "" : "s"} = ${money(r.cost * BigInt(m.credits.creditValue), m.asset)}</div>
    <div data-testid="playground-channel" data-channel="${r.channel.id}" data-opened="${!!r.opened}" data-salt="${r.channel.salt}" data-charged="${r.channel.charged}">Channel of salt ${r.channel.salt} (${r.opened ? `opened now, tx <span class="mono">${esc(r.opened.tx.slice(0, 10))}…</span>` : "reused"}): ${r.channel.charged} of ${r.channel.deposit} credits used</div>
    <div data-testid="playground-provenance" data-signer="${r.signer}" data-verified="true">Provenance <span class="badge live">verified</span> signed by <span class="mono">${r.signer}</span>, the gateway's advertised key, over this request and answer</div>
    <details><summary>Input sent</summary><pre class="mono" data-testid="playground-input">${esc(JSON.stringify(item))}</pre></details>
    <details><summary>Raw answer</summary><pre class="mono">${esc(JSON.stringify(r.outputs))}</pre></details>`;
  box.dataset.state = "done";
}

export function wirePlayground(ctx, m) {
  if (!document.getElementById("pg-run")) return;
  const canvas = document.getElementById("pg-canvas");
  const pad = canvas ? wireCanvas(canvas, document.getElementById("pg-preview")) : null;
  document.getElementById("pg-clear")?.addEventListener("click", () => pad.clear());
  document.getElementById("pg-run").addEventListener("click", async () => {
    const box = document.getElementById("pg-result");
    box.dataset.state = "running";
    box.innerHTML = "";
    try {
      if (!ctx.state.signer) await ctx.connect();
      if (!ctx.state.signer) throw new Error("the playground pays with a browser wallet: none is connected");
      const gateway = document.getElementById("pg-gateway").value;
      const served = await gatewayOf(ctx, gateway);
      const item = pad ? pad.item(served.terms.input) : JSON.parse(document.getElementById("pg-json").value);
      const deposit = BigInt(document.getElementById("pg-deposit").value || "1");
      const r = await call(ctx, m, gateway, served, item, deposit, document.getElementById("pg-hours").value || "1");
      showResult(ctx, m, r, item);
      ctx.notice(`Playground: answered by ${r.url}, ${r.cost} credits charged to the channel of salt ${r.channel.salt}`);
    } catch (err) {
      box.dataset.state = "failed";
      ctx.fail(`Playground failed: ${ctx.describeError(err)}`);
    }
  });
}
