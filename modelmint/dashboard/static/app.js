// Modelmint dashboard front-end: reads the app's JSON APIs, writes through the user's
// browser wallet (EIP-1193, window.ethereum) with ethers. A revert is shown as the
// contract's custom error name and arguments, decoded with every exported ABI merged.
// Amounts, dates and durations are shown in human units (format.js), the raw value kept in
// a data attribute and the tooltip.
import { ethers } from "/vendor/ethers.js";
import { dateText, duration, esc, money, short, tokens, when } from "/static/format.js";
import { proposalsTable, wireProposals } from "/static/governance.js";
import { channelIdOf, playgroundSection, wirePlayground } from "/static/playground.js";

const main = document.getElementById("main");
const state = { config: null, abis: null, errors: null, provider: null, signer: null, account: null };

// ------------------------------------------------------------------------- helpers

const isEth = (asset) => !asset || /^0x0{40}$/i.test(asset);
const api = async (path) => {
  const r = await fetch(path);
  const body = await r.json();
  if (!r.ok) throw new Error(`${body.error.code}: ${body.error.message}`);
  return body;
};

function notice(text) {
  document.getElementById("notice").textContent = text;
  document.getElementById("error").textContent = "";
}
function fail(text) {
  document.getElementById("error").textContent = text;
  document.getElementById("notice").textContent = "";
}

// Every error of every exported contract ABI, deduplicated by signature.
function errorInterface(abis) {
  const seen = new Map();
  for (const abi of Object.values(abis)) {
    for (const item of abi) {
      if (item.type !== "error") continue;
      const sig = `${item.name}(${item.inputs.map((i) => i.type).join(",")})`;
      if (!seen.has(sig)) seen.set(sig, item);
    }
  }
  return new ethers.Interface([...seen.values()]);
}

function findRevertData(err, depth = 0) {
  if (!err || depth > 6 || typeof err !== "object") return null;
  for (const key of ["data", "error", "info", "cause", "payload"]) {
    const v = err[key];
    if (typeof v === "string" && /^0x[0-9a-f]{8}/i.test(v)) return v;
    if (v && typeof v === "object") {
      if (typeof v.data === "string" && /^0x[0-9a-f]{8}/i.test(v.data)) return v.data;
      const inner = findRevertData(v, depth + 1);
      if (inner) return inner;
    }
  }
  return null;
}

// "LicenseManagerPriceAboveMax" -> "license manager: price above max".
const PREFIXES = ["ModelSharesFactory", "ModelRegistry", "LicenseManager", "UsageCredits", "RevenueRouter", "ModelShares", "Fractionalizer", "GovernanceToken", "Governor", "ERC20", "ERC721", "ERC1155", "ERC2612", "ERC5805"];
function inWords(name) {
  const prefix = PREFIXES.find((p) => name.startsWith(p) && name.length > p.length);
  const words = (s) => s.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
  return prefix ? `${words(prefix)}: ${words(name.slice(prefix.length))}` : words(name);
}

// "LicenseManagerPriceAboveMax(offerId: 1, price: 1000, maxPrice: 999): license manager: price
// above max", or the wallet's own message when the revert carries no data.
export function describeError(err) {
  const data = findRevertData(err);
  if (data) {
    try {
      const parsed = state.errors.parseError(data);
      if (parsed) {
        const args = parsed.fragment.inputs.map((input, i) => `${input.name || `arg${i}`}: ${parsed.args[i]}`);
        return `${parsed.name}(${args.join(", ")}): ${inWords(parsed.name)}`;
      }
    } catch (_) { /* not one of ours: fall through */ }
    if (data.startsWith("0x08c379a0")) return `Error: ${ethers.AbiCoder.defaultAbiCoder().decode(["string"], "0x" + data.slice(10))[0]}`;
    return `reverted with unknown error ${data.slice(0, 10)}`;
  }
  return err?.shortMessage || err?.message || String(err);
}

async function connect() {
  if (!window.ethereum) return fail("No browser wallet found (window.ethereum).");
  state.provider = new ethers.BrowserProvider(window.ethereum, undefined, { staticNetwork: true, pollingInterval: 250 });
  await state.provider.send("eth_requestAccounts", []);
  state.signer = await state.provider.getSigner();
  state.account = await state.signer.getAddress();
  document.getElementById("wallet").textContent = state.account;
  document.getElementById("connect").textContent = "Connected";
}

function contract(step, abiName) {
  return new ethers.Contract(state.config.addresses[step], state.abis[abiName], state.signer);
}
const at = (address, abiName) => new ethers.Contract(address, state.abis[abiName], state.signer);

// Wait (a few seconds at most) until the index holds `block`, so history pages show the write.
async function indexedTo(block) {
  for (let i = 0; i < 25; i++) {
    const s = await api("/api/status").catch(() => null);
    if (s && s.indexedTo >= block) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

// Send one write through the wallet, wait for its receipt, then re-render the page.
async function send(label, build) {
  try {
    if (!state.signer) await connect();
    notice(`${label}: waiting for the wallet…`);
    const tx = await build();
    notice(`${label}: sent ${tx.hash}, waiting for the receipt…`);
    let receipt = null;
    while (!receipt) {
      receipt = await state.provider.getTransactionReceipt(tx.hash);
      if (!receipt) await new Promise((r) => setTimeout(r, 200));
    }
    if (receipt.status !== 1) throw new Error(`${label} reverted in block ${receipt.blockNumber}`);
    await indexedTo(receipt.blockNumber);
    await route();
    notice(`${label}: confirmed in block ${receipt.blockNumber} (tx ${receipt.hash})`);
  } catch (err) {
    fail(`${label} failed: ${describeError(err)}`);
  }
}

// ------------------------------------------------------------------------- catalog

// A card that fails its check is never shown: the URI, and a note naming the failure.
const unverified = (m) => (m.cardError && m.cardError !== "card_unbound" ? ` <span class="badge dead" data-testid="card-unverified">card unverified: ${esc(m.cardError)}</span>` : "");
function modelName(m) {
  if (!m.card) return `<a href="#/model/${m.id}" data-testid="model-name">${esc(m.metadataURI)}</a>${unverified(m)}`;
  return `<a href="#/model/${m.id}" data-testid="model-name"><b>${esc(m.card.name)}</b></a> <span class="badge" data-testid="model-task">${esc(m.card.task)}</span>
    <br><span class="muted">${esc(m.card.description.length > 120 ? `${m.card.description.slice(0, 117)}…` : m.card.description)}</span>`;
}

const catalogState = { q: "", sort: "id", desc: false, offset: 0 };

async function renderCatalog() {
  const { q, sort, desc, offset } = catalogState;
  const data = await api(`/api/models?q=${encodeURIComponent(q)}&sort=${sort}&desc=${desc}&offset=${offset}&limit=100`);
  const head = [["id", "#"], ["name", "Model"], ["owner", "Owner"], ["version", "Version / weights"], [null, "Status"], ["price", "License offers"], ["creditValue", "Price per call"], [null, "Gateways"]];
  main.innerHTML = `
    <h2>Catalog</h2>
    <div class="row"><input id="search" data-testid="search" placeholder="search name, task, description, labels, id, owner, weights hash" value="${esc(q)}" size="48">
    <span class="muted" data-testid="catalog-total">${data.total} models</span>
    <span class="muted">indexed to block ${data.indexedTo}</span></div>
    <table data-testid="catalog"><thead><tr>${head.map(([k, t]) => `<th ${k ? `data-sort="${k}"` : ""}>${t}${k === sort ? (desc ? " ▼" : " ▲") : ""}</th>`).join("")}</tr></thead>
    <tbody>${data.models.map((m) => `<tr data-testid="model-row" data-model="${m.id}">
      <td><a href="#/model/${m.id}">${m.id}</a></td>
      <td>${modelName(m)}</td>
      <td class="mono">${short(m.owner)}</td>
      <td>v${m.version} <span class="mono muted">${short(m.weightsHash)}</span></td>
      <td><span class="badge ${esc(m.status)}">${esc(m.status)}</span>${m.flagged ? ' <span class="badge flagged">flagged</span>' : ""}${m.fractionalized ? ' <span class="badge">shares</span>' : ""}</td>
      <td>${m.offers.length} ${m.minPrice !== null ? `from ${money(m.minPrice, m.asset)}` : ""}</td>
      <td data-testid="price-per-call">${m.pricePerCall !== null ? `${money(m.pricePerCall, m.asset)}<br><span class="muted">${m.creditsPerItem ?? 1} credit${(m.creditsPerItem ?? 1) === 1 ? "" : "s"} × ${money(m.creditValue, m.asset)}</span>` : "-"}</td>
      <td>${m.gateways.map((g) => `<span class="mono gw" data-gateway="${g}">${short(g)} <span class="badge">…</span></span>`).join("<br>")}</td>
    </tr>`).join("")}</tbody></table>
    <div class="row">${offset > 0 ? '<button id="prev">Previous</button>' : ""}${offset + 100 < data.total ? '<button id="next" data-testid="next">Next</button>' : ""}</div>`;
  const search = document.getElementById("search");
  let timer;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => { catalogState.q = search.value; catalogState.offset = 0; renderCatalog().then(() => document.getElementById("search").focus()); }, 200);
  });
  for (const th of main.querySelectorAll("th[data-sort]")) {
    th.addEventListener("click", () => {
      const key = th.dataset.sort;
      catalogState.desc = catalogState.sort === key ? !catalogState.desc : false;
      catalogState.sort = key;
      renderCatalog();
    });
  }
  document.getElementById("prev")?.addEventListener("click", () => { catalogState.offset -= 100; renderCatalog(); });
  document.getElementById("next")?.addEventListener("click", () => { catalogState.offset += 100; renderCatalog(); });
  const seen = new Map();
  for (const span of main.querySelectorAll(".gw")) {
    const g = span.dataset.gateway;
    if (!seen.has(g)) seen.set(g, api(`/api/gateways/${g}`).catch(() => ({ status: "unknown" })));
    seen.get(g).then((s) => { span.querySelector(".badge").textContent = s.status; span.querySelector(".badge").className = `badge ${s.status}`; });
  }
}

// ----------------------------------------------------------------------- model page

function chart(points, asset) {
  if (!points.length) return '<p class="muted">No revenue yet.</p>';
  const w = 640, h = 180, pad = 30;
  const xs = points.map((p) => p.timestamp), ys = points.map((p) => Number(BigInt(p.cumulative)));
  const x0 = Math.min(...xs), x1 = Math.max(...xs, x0 + 1), y1 = Math.max(...ys, 1);
  const px = (x) => pad + ((x - x0) / (x1 - x0)) * (w - 2 * pad);
  const py = (y) => h - pad - (y / y1) * (h - 2 * pad);
  const path = points.map((p, i) => `${px(p.timestamp)},${py(ys[i])}`).join(" ");
  return `<svg class="chart" data-testid="revenue-chart" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">
    <polyline fill="none" stroke="#3b5bdb" stroke-width="2" points="${px(x0)},${py(0)} ${path}"/>
    ${points.map((p, i) => `<circle cx="${px(p.timestamp)}" cy="${py(ys[i])}" r="3" fill="#3b5bdb"><title>${dateText(p.timestamp)}: +${ethers.formatUnits(BigInt(p.amount), asset.decimals)} ${esc(asset.symbol)}</title></circle>`).join("")}
    <text x="${pad}" y="14" font-size="11">cumulative revenue (max ${ethers.formatUnits(BigInt(points.at(-1).cumulative), asset.decimals)} ${esc(asset.symbol)})</text>
    <text x="${pad}" y="${h - 8}" font-size="11">${dateText(x0)}</text><text x="${w - pad - 150}" y="${h - 8}" font-size="11">${dateText(x1)}</text></svg>`;
}

const clip = (uri) => (uri && uri.length > 64 ? `${uri.slice(0, 61)}…` : uri);
function cardSection(m) {
  if (!m.card) return `<div class="card" data-testid="model-card">Metadata <span class="mono">${esc(clip(m.metadataURI))}</span>${unverified(m)}</div>`;
  const c = m.card;
  return `<div class="card model-card" data-testid="model-card"><b>${esc(c.name)}</b> <span class="badge">${esc(c.task)}</span>
    <span class="muted">card ${m.cardSource === "data" ? "carried by its data: URI" : "verified against its CID"}</span>
    <p data-testid="model-description">${esc(c.description)}</p>
    ${c.labels.length ? `<p>Labels: ${c.labels.map(esc).join(", ")}</p>` : ""}
    <p>License terms: ${esc(c.license)}</p>
    ${c.links.length ? `<p>${c.links.map((l) => `<a href="${esc(l.url)}" rel="noopener noreferrer">${esc(l.title)}</a>`).join(" · ")}</p>` : ""}
    <details><summary>Example input</summary><pre class="mono">${esc(JSON.stringify(c.input.example))}</pre></details>
    <span class="muted mono">${esc(clip(m.metadataURI))}</span></div>`;
}

// The lowest salt whose channel (this account, gateway, model, salt) was never opened: a
// channel's id is the hash of its terms, and a closed channel's terms never open again.
async function freeSalt(credits, gateway, modelId) {
  for (let salt = 0n; ; salt++) {
    if ((await credits.channel(channelIdOf(state.account, gateway, modelId, salt))).deposit === 0n) return salt;
  }
}

async function renderModel(id) {
  const m = await api(`/api/models/${id}`);
  const asset = m.asset;
  const eth = isEth(m.paymentAsset);
  // Deployments whose UsageCredits funds a channel in one transaction offer that path too.
  const oneTx = state.abis.UsageCredits.some((f) => f.type === "function" && f.name === "buyAndOpenChannel");
  main.innerHTML = `
    <h2 data-testid="model-title">Model #${m.id}: ${esc(m.card ? m.card.name : clip(m.metadataURI))}</h2>
    ${cardSection(m)}
    ${playgroundSection(m)}
    <div class="row">
      <div class="card">Owner <span class="mono" data-testid="model-owner">${m.owner}</span><br>
        Status <span class="badge ${m.status}">${m.status}</span> ${m.flagged ? '<span class="badge flagged">flagged</span>' : ""} · sales ${m.saleOpen ? "open" : "closed"}<br>
        Payment asset ${eth ? "ETH" : `${esc(asset.symbol)} <span class="mono">${m.paymentAsset}</span>`}<br>
        Latest version v${m.latestVersion} <span class="mono">${m.weightsHash}</span></div>
      <div class="card">Net revenue <span data-testid="revenue-total">${money(m.revenue.total, asset)}</span> (protocol fees ${money(m.revenue.fees, asset)}) · settled credits ${m.revenue.settledCredits}<br>${chart(m.revenue.points, asset)}</div>
    </div>
    <h3>Versions</h3>
    <table><thead><tr><th>Version</th><th>Weights hash</th><th>URI</th><th>Published</th></tr></thead><tbody>
      ${m.versions.map((v) => `<tr><td>v${v.version}</td><td class="mono">${v.weightsHash}</td><td>${esc(v.uri)}</td><td>${when(v.timestamp)} (block ${v.block})</td></tr>`).join("")}</tbody></table>
    <h3>License offers</h3>
    <table data-testid="offers"><thead><tr><th>Offer</th><th>Price</th><th>Duration</th><th>Terms</th><th>Sold</th><th>Buy (max price, ${esc(asset.symbol)})</th></tr></thead><tbody>
      ${m.offers.map((o) => `<tr data-offer="${o.id}"><td>#${o.id} ${o.commercial ? "commercial" : "non-commercial"}${o.paused ? ' <span class="badge">paused</span>' : ""}</td>
        <td data-testid="offer-price">${money(o.price, asset)}</td><td data-testid="offer-duration">${o.duration ? duration(o.duration) : "perpetual"}</td><td>${esc(o.termsURI)}</td>
        <td>${o.sold}${o.supplyCap ? ` / ${o.supplyCap}` : ""}</td>
        <td><input type="text" inputmode="decimal" data-maxprice="${o.id}" data-testid="max-price" value="${ethers.formatUnits(BigInt(o.price), asset.decimals)}">
          <button data-buy="${o.id}" data-price="${o.price}" data-testid="buy-license">Buy license</button></td></tr>`).join("")}</tbody></table>
    <h3>Credits</h3>
    ${m.credits && m.credits.enabled ? `<div class="card">One credit = <span data-testid="credit-value">${money(m.credits.creditValue, asset)}</span> · one call of one item = <span data-testid="model-price-per-call">${money(m.credits.pricePerCall, asset)}</span> (${m.credits.creditsPerItem ?? 1} credit${m.credits.creditsPerItem === 1 || m.credits.creditsPerItem === null ? "" : "s"}) · minted ${m.credits.minted} · consumed ${m.credits.consumed}<br>
      Credits <input type="number" min="1" id="credit-count" data-testid="credit-count" value="10">
      <button id="buy-credits" data-testid="buy-credits">Buy credits</button>
      Gateway <select id="channel-gateway" data-testid="channel-gateway">${m.gateways.map((g) => `<option value="${g}">${g}</option>`).join("")}</select>
      expires in <input type="number" min="1" id="channel-expiry" value="1"> h
      <button id="open-channel" data-testid="open-channel">Open channel</button>
      ${oneTx ? '<button id="buy-open-channel" data-testid="buy-open-channel">Buy and open (one transaction)</button>' : ""}</div>` : '<p class="muted">Credits are not enabled for this model.</p>'}
    <h3>Gateways</h3>
    ${m.gateways.length ? m.gateways.map((g) => `<div class="mono gw" data-gateway="${g}">${g} <span class="badge">…</span></div>`).join("") : '<p class="muted">None.</p>'}
    <h3>Revenue split</h3>
    <table data-testid="split"><thead><tr><th>Recipient</th><th>Weight</th><th>Share</th></tr></thead><tbody>
      ${m.split.map((s) => `<tr><td class="mono">${s.recipient}${s.default ? " (owner, default)" : ""}</td><td>${s.weight}</td><td>${(s.share * 100).toFixed(2)} %</td></tr>`).join("")}</tbody></table>
    ${m.shares ? `<h3>Shareholders (${esc(m.shares.symbol)}, <span class="mono">${m.shares.token}</span>)</h3>
      <table data-testid="shareholders"><thead><tr><th>Holder</th><th>Balance</th><th>Share</th></tr></thead><tbody>
      ${m.shares.holders.map((h) => `<tr><td class="mono">${h.holder}</td><td>${tokens(h.balance, m.shares.symbol)}</td><td>${(h.share * 100).toFixed(2)} %</td></tr>`).join("")}</tbody></table>
      <h3>Model governance</h3><div id="model-proposals">${proposalsTable(m.shares.proposals, "model", m.shares.symbol)}</div>` : ""}`;
  for (const b of main.querySelectorAll("[data-buy]")) {
    b.addEventListener("click", () => {
      const offerId = BigInt(b.dataset.buy), price = BigInt(b.dataset.price);
      const typed = main.querySelector(`[data-maxprice="${b.dataset.buy}"]`).value.trim() || "0";
      send("Buy license", async () => {
        const maxPrice = ethers.parseUnits(typed, asset.decimals);
        const licenses = contract("licenses", "LicenseManager");
        if (!eth) await (await at(m.paymentAsset, "ERC20").approve(licenses.target, maxPrice)).wait();
        return licenses.purchase(offerId, state.account, maxPrice, { value: eth ? price : 0n });
      });
    });
  }
  document.getElementById("buy-credits")?.addEventListener("click", () => {
    const n = BigInt(document.getElementById("credit-count").value);
    const cost = n * BigInt(m.credits.creditValue);
    send("Buy credits", async () => {
      const credits = contract("credits", "UsageCredits");
      if (!eth) await (await at(m.paymentAsset, "ERC20").approve(credits.target, cost)).wait();
      return credits.buyCredits(BigInt(m.id), n, state.account, { value: eth ? cost : 0n });
    });
  });
  document.getElementById("open-channel")?.addEventListener("click", () => {
    const n = BigInt(document.getElementById("credit-count").value);
    const gw = document.getElementById("channel-gateway").value;
    send("Open channel", async () => {
      const now = (await state.provider.getBlock("latest")).timestamp;
      const expiry = BigInt(now) + BigInt(document.getElementById("channel-expiry").value) * 3600n;
      const credits = contract("credits", "UsageCredits");
      return credits.openChannel(BigInt(m.id), gw, await freeSalt(credits, gw, m.id), n, expiry);
    });
  });
  document.getElementById("buy-open-channel")?.addEventListener("click", () => {
    const n = BigInt(document.getElementById("credit-count").value);
    const cost = n * BigInt(m.credits.creditValue);
    const gw = document.getElementById("channel-gateway").value;
    send("Buy and open channel", async () => {
      const credits = contract("credits", "UsageCredits");
      if (!eth) await (await at(m.paymentAsset, "ERC20").approve(credits.target, cost)).wait();
      const now = (await state.provider.getBlock("latest")).timestamp;
      const expiry = BigInt(now) + BigInt(document.getElementById("channel-expiry").value) * 3600n;
      const salt = await freeSalt(credits, gw, m.id);
      return credits.buyAndOpenChannel(BigInt(m.id), gw, salt, n, expiry, { value: eth ? cost : 0n });
    });
  });
  if (m.shares) wireProposals(document.getElementById("model-proposals"), m.shares.proposals, "ModelGovernor", at, send, state.account);
  wirePlayground({ state, api, connect, describeError, contract, at, notice, fail }, m);
  for (const div of main.querySelectorAll(".gw")) {
    api(`/api/gateways/${div.dataset.gateway}`).then((s) => { const b = div.querySelector(".badge"); b.textContent = s.status; b.className = `badge ${s.status}`; });
  }
}

// --------------------------------------------------------------------- account page

async function renderAccount() {
  if (!state.account) {
    main.innerHTML = '<h2>Account</h2><p>Connect a wallet to see your licenses, credits, channels, revenue and votes.</p><button id="connect-here">Connect wallet</button>';
    document.getElementById("connect-here").addEventListener("click", async () => { await connect().catch((e) => fail(describeError(e))); route(); });
    return;
  }
  const a = await api(`/api/accounts/${state.account}`);
  const assetOf = (modelId) => a.assets[String(modelId)] || a.eth;
  // A number of credits of a model and what they are worth.
  const credits = (n, modelId, value) => `${n} credit${Number(n) === 1 ? "" : "s"}${value ? ` <span class="muted">(${money(BigInt(n) * BigInt(value), assetOf(modelId))})</span>` : ""}`;
  main.innerHTML = `
    <h2>Account <span class="mono">${a.account}</span></h2>
    <p>Balance ${money(a.balance)} · chain time ${when(a.chainTime)}</p>
    <h3>Licenses</h3>
    <table data-testid="licenses"><thead><tr><th>License</th><th>Model</th><th>Expiry</th><th>Renew</th></tr></thead><tbody>
      ${a.licenses.map((l) => `<tr data-license="${l.id}"><td>#${l.id} (offer ${l.offerId})${l.commercial ? " commercial" : ""}</td><td><a href="#/model/${l.modelId}">#${l.modelId}</a></td>
        <td>${l.perpetual ? "perpetual" : when(l.expiry)} ${l.valid ? '<span class="badge Active">valid</span>' : '<span class="badge dead">expired</span>'}</td>
        <td>${l.perpetual ? "" : `<button data-renew="${l.id}" data-price="${l.renewPrice}">Renew for ${money(l.renewPrice, assetOf(l.modelId))}</button>`}</td></tr>`).join("")}</tbody></table>
    <h3>Credits</h3>
    <table data-testid="credits"><thead><tr><th>Model</th><th>Balance</th></tr></thead><tbody>
      ${a.credits.map((c) => `<tr><td><a href="#/model/${c.modelId}">#${c.modelId}</a></td><td>${credits(c.balance, c.modelId, c.creditValue)}</td></tr>`).join("")}</tbody></table>
    <h3>Channels</h3>
    <table data-testid="channels"><thead><tr><th>Channel</th><th>Model</th><th>Gateway</th><th>Deposit</th><th>Settled</th><th>Expiry</th><th></th></tr></thead><tbody>
      ${a.channels.map((c) => `<tr data-channel="${c.id}"><td title="${c.id}">salt ${c.salt}</td><td>#${c.modelId}</td><td class="mono">${short(c.gateway)}</td><td>${credits(c.deposit, c.modelId, c.creditValue)}</td><td>${credits(c.settled, c.modelId, c.creditValue)}</td>
        <td>${c.closed ? "closed" : when(c.expiry)}</td>
        <td>${c.closable ? `<button data-close="${c.id}" data-gateway="${c.gateway}" data-model="${c.modelId}" data-salt="${c.salt}">Close and refund ${c.deposit - c.settled} credits</button>` : c.closed ? "" : `closable after ${when(c.closableAt)}`}</td></tr>`).join("")}</tbody></table>
    <h3>Claimable revenue</h3>
    <table data-testid="claimable"><thead><tr><th>Source</th><th>Model</th><th>Amount</th><th></th></tr></thead><tbody>
      ${a.claimable.map((c, i) => `<tr><td>${c.kind === "router" ? "revenue split" : `shares <span class="mono">${short(c.token)}</span>`}</td><td>#${c.modelId}</td>
        <td data-testid="claimable-amount">${money(c.amount, assetOf(c.modelId))}</td><td><button data-claim="${i}" data-testid="claim">Claim</button></td></tr>`).join("")}</tbody></table>
    <h3>Delegation and votes</h3>
    ${a.governance ? `<div class="card">Protocol token: balance ${tokens(a.governance.balance, a.governance.symbol)}, votes ${tokens(a.governance.votes)},
      delegate <span class="mono" data-testid="delegate">${a.governance.delegate}</span>
      <button id="delegate-self" data-testid="delegate-self">Delegate to myself</button></div>` : ""}
    ${a.shares.map((s, i) => `<div class="card">Model #${s.modelId} shares: ${tokens(s.balance, s.symbol)}, votes ${tokens(s.votes)}, delegate <span class="mono">${s.delegate}</span>
      <button data-delegate-shares="${i}">Delegate to myself</button>
      ${BigInt(s.lockedRevenue) > 0n ? `<br><span data-testid="shares-locked">${money(s.lockedRevenue, assetOf(s.modelId))} of revenue unlocking for holders until ${when(s.unlockEnd)}</span>` : ""}</div>`).join("")}`;
  for (const b of main.querySelectorAll("[data-renew]")) {
    const price = BigInt(b.dataset.price);
    const token = assetOf(a.licenses.find((l) => String(l.id) === b.dataset.renew).modelId).address;
    b.addEventListener("click", () => send("Renew", async () => {
      const licenses = contract("licenses", "LicenseManager");
      if (!isEth(token)) await (await at(token, "ERC20").approve(licenses.target, price)).wait();
      return licenses.renew(BigInt(b.dataset.renew), price, { value: isEth(token) ? price : 0n });
    }));
  }
  for (const b of main.querySelectorAll("[data-close]")) {
    // A channel is closed by its terms (ChannelTerms: consumer, gateway, modelId, salt).
    const terms = [state.account, b.dataset.gateway, BigInt(b.dataset.model), BigInt(b.dataset.salt)];
    b.addEventListener("click", () => send("Close channel", () => contract("credits", "UsageCredits").closeChannel(terms)));
  }
  for (const b of main.querySelectorAll("[data-claim]")) {
    const c = a.claimable[b.dataset.claim];
    b.addEventListener("click", () => send("Claim", () => (c.kind === "router" ? contract("router", "RevenueRouter").claim([BigInt(c.modelId)]) : at(c.token, "ModelShares").claim())));
  }
  document.getElementById("delegate-self")?.addEventListener("click", () => send("Delegate", () => contract("gov_token", "GovernanceToken").delegate(state.account)));
  for (const b of main.querySelectorAll("[data-delegate-shares]")) {
    b.addEventListener("click", () => send("Delegate", () => at(a.shares[b.dataset.delegateShares].token, "ModelShares").delegate(state.account)));
  }
}

// -------------------------------------------------------------------- protocol page

async function renderProtocol() {
  const p = await api("/api/protocol");
  main.innerHTML = `
    <h2>Protocol</h2>
    <div class="row"><div class="card">Protocol fee <b data-testid="fee">${p.feeBps / 100} %</b> (${p.feeBps} bps, max ${p.maxFeeBps})<br>
      Treasury <span class="mono">${p.treasury}</span><br>Governance <span class="mono">${p.governance}</span><br>Chain time ${when(p.chainTime)}</div>
      <div class="card">Allow-listed tokens: ${p.allowedTokens.length ? p.allowedTokens.map((t) => `<span class="mono">${t}</span>`).join(", ") : "none (ETH only)"}<br>
      Flagged models: ${p.flaggedModels.length ? p.flaggedModels.map((id) => `<a href="#/model/${id}">#${id}</a>`).join(", ") : "none"}</div></div>
    <h3>Protocol proposals</h3><div id="protocol-proposals">${proposalsTable(p.proposals, "protocol", p.tokenSymbol)}</div>`;
  wireProposals(document.getElementById("protocol-proposals"), p.proposals, "ProtocolGovernor", at, send, state.account);
}

// -------------------------------------------------------------------------- router

async function route() {
  const hash = location.hash || "#/";
  try {
    const model = hash.match(/^#\/model\/(\d+)/);
    if (model) await renderModel(Number(model[1]));
    else if (hash.startsWith("#/account")) await renderAccount();
    else if (hash.startsWith("#/protocol")) await renderProtocol();
    else await renderCatalog();
    main.dataset.ready = hash;
  } catch (err) {
    fail(describeError(err));
  }
}

async function pollStatus() {
  try {
    const s = await api("/api/status");
    document.getElementById("index-status").textContent = `chain ${s.chainId} · head ${s.head} · indexed ${s.indexedTo}`;
  } catch (_) { /* server restarting */ }
}

async function boot() {
  [state.config, state.abis] = await Promise.all([api("/api/config"), api("/api/abi")]);
  state.errors = errorInterface(state.abis);
  window.modelmint = { describeError, state };
  document.getElementById("connect").addEventListener("click", () => connect().then(route).catch((e) => fail(describeError(e))));
  window.addEventListener("hashchange", () => { main.dataset.ready = ""; route(); });
  if (window.ethereum) {
    const accounts = await window.ethereum.request({ method: "eth_accounts" }).catch(() => []);
    if (accounts.length) await connect();
  }
  pollStatus();
  setInterval(pollStatus, 3000);
  await route();
}

boot();
