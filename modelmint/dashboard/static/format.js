// Human units for the dashboard: amounts in their asset's units, dates, durations. Each keeps
// its exact raw value in a data attribute and the tooltip (wei, unix seconds, seconds).
import { ethers } from "/vendor/ethers.js";

export const ETH = { symbol: "ETH", decimals: 18 };
export const esc = (v) => String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
export const short = (a) => (a && a.length > 14 ? `${a.slice(0, 8)}…${a.slice(-6)}` : a ?? "");
const trim = (s) => s.replace(/\.0$/, "");

// "0.01 ETH" (or the token's symbol and decimals), the base units in data-wei and the title.
export function money(v, asset = ETH) {
  const a = asset || ETH;
  const raw = BigInt(v ?? 0);
  const unit = a.symbol === "ETH" ? "wei" : "base units";
  return `<span class="amount" data-wei="${raw}" title="${raw} ${unit}">${trim(ethers.formatUnits(raw, a.decimals))}${a.symbol ? ` ${esc(a.symbol)}` : ""}</span>`;
}

// An 18-decimal token count (shares, votes), "250 CAPS"; the base units in data-wei.
export const tokens = (v, symbol = "") => money(v, { symbol, decimals: 18 });

// "2026-12-07 16:48 UTC" for unix seconds `t`.
export const dateText = (t) => (t ? new Date(Number(t) * 1000).toISOString().slice(0, 16).replace("T", " ") + " UTC" : "-");
export const when = (t) => (t ? `<span data-time="${Number(t)}" title="unix time ${Number(t)}">${dateText(t)}</span>` : "-");

// "30 days", "1 h 30 min", "45 s": the two largest units of `s` seconds.
export function durationText(s) {
  let rest = Number(s);
  if (!rest) return "0 s";
  const parts = [];
  for (const [size, one, many] of [[86400, " day", " days"], [3600, " h", " h"], [60, " min", " min"], [1, " s", " s"]]) {
    const n = Math.floor(rest / size);
    if (n) parts.push(`${n}${n === 1 ? one : many}`);
    rest %= size;
  }
  return parts.slice(0, 2).join(" ");
}
export const duration = (s) => `<span data-seconds="${Number(s)}" title="${Number(s)} s">${durationText(s)}</span>`;
