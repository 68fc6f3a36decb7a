// Proposals of a governor as a table: the voting window on the governor's own clock (blocks,
// with estimated dates, or timestamps) and only the actions its state allows.
import { dateText, esc, short, tokens, when } from "/static/format.js";

function votingWindow(p) {
  if (p.clock === "blocknumber") {
    const approx = p.estimated ? "≈ " : "";
    return `blocks ${p.voteStart} → ${p.voteEnd}<br><span class="muted" data-time="${p.voteEndAt}">${dateText(p.voteStartAt)} → ${approx}${dateText(p.voteEndAt)}</span>`;
  }
  return `${when(p.voteStart)} → ${when(p.voteEnd)}`;
}

function actions(p, i) {
  const can = new Set(p.actions);
  const out = [];
  if (can.has("vote")) {
    out.push(`<button data-vote="1" data-i="${i}" data-testid="vote-for">For</button>`,
      `<button data-vote="0" data-i="${i}" data-testid="vote-against">Against</button>`,
      `<button data-vote="2" data-i="${i}" data-testid="vote-abstain">Abstain</button>`);
  }
  if (can.has("queue")) out.push(`<button data-queue="${i}" data-testid="queue">Queue</button>`);
  if (can.has("execute")) out.push(`<button data-execute="${i}" data-testid="execute">Execute</button>`);
  if (p.state === "Queued" && !can.has("execute")) out.push(`<span class="muted">executable after ${when(p.executableAt)}</span>`);
  return out.length ? out.join(" ") : '<span class="muted">-</span>';
}

export function proposalsTable(proposals, prefix, symbol) {
  if (!proposals.length) return '<p class="muted">No proposals.</p>';
  const votes = (v) => tokens(v, symbol);
  return `<table data-testid="${prefix}-proposals"><thead><tr><th>Proposal</th><th>State</th><th>For / Against / Abstain</th><th>Voting</th><th>Actions</th></tr></thead><tbody>
    ${proposals.map((p, i) => `<tr data-testid="proposal-row" data-proposal="${p.id}">
      <td>${esc(p.description)}<br><span class="mono muted">${short(p.id)}</span></td>
      <td><span class="badge ${p.state}" data-testid="proposal-state">${p.state}</span></td>
      <td>${votes(p.votes.for)} / ${votes(p.votes.against)} / ${votes(p.votes.abstain)}</td>
      <td data-testid="proposal-window" data-clock="${p.clock}">${votingWindow(p)}</td>
      <td data-testid="proposal-actions">${actions(p, i)}</td></tr>`).join("")}</tbody></table>`;
}

// `at(address, abiName)` builds a contract on the wallet; `send(label, build)` runs a write;
// an `account` that already voted on a proposal sees "you voted" instead of the vote buttons.
export function wireProposals(root, proposals, abiName, at, send, account) {
  const gov = (p) => at(p.governor, abiName);
  const args = (p) => [p.targets, p.values.map((v) => BigInt(v)), p.calldatas, p.descriptionHash];
  for (const b of root.querySelectorAll("[data-vote]")) {
    const p = proposals[b.dataset.i];
    b.addEventListener("click", () => send("Vote", () => gov(p).castVote(BigInt(p.id), Number(b.dataset.vote))));
  }
  for (const b of root.querySelectorAll("[data-queue]")) {
    const p = proposals[b.dataset.queue];
    b.addEventListener("click", () => send("Queue", () => gov(p).queue(...args(p))));
  }
  for (const b of root.querySelectorAll("[data-execute]")) {
    const p = proposals[b.dataset.execute];
    b.addEventListener("click", () => send("Execute", () => gov(p).execute(...args(p))));
  }
  if (!account) return;
  for (const p of proposals.filter((q) => q.actions.includes("vote"))) {
    gov(p).hasVoted(BigInt(p.id), account).then((voted) => {
      const cell = root.querySelector(`tr[data-proposal="${p.id}"] [data-testid=proposal-actions]`);
      if (voted && cell) cell.innerHTML = '<span class="muted" data-testid="voted">you voted</span>';
    }).catch(() => { /* the wallet's node is away: keep the buttons */ });
  }
}
