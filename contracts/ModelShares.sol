// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IModelShares} from "../interfaces/IModelShares.sol";
import {HolderWord, RevenueWord, TotalsWord, ModelSharesWords} from "./packed/ModelSharesWords.sol";
import {ModelSharesRevenue} from "./shares/ModelSharesRevenue.sol";
import {ModelSharesVotes} from "./shares/ModelSharesVotes.sol";

/// @title ModelShares
/// @notice Per-model revenue-sharing ERC-20 with votes (ERC-5805) and permit (ERC-2612), deployed
/// as an EIP-1167 clone with immutable arguments by ModelSharesFactory.
/// @dev A compact ERC-20 + votes core instead of OpenZeppelin's ERC20Votes, so that a transfer
/// touches one packed slot per holder for balance + votes, one for the revenue correction and,
/// in a new block, half a checkpoint slot (see IModelShares for layout, accounting and bounds).
/// Semantics follow OpenZeppelin 5 (ERC20, ERC20Permit, ERC20Votes, EIP712 with version "1";
/// same events and errors), except that holders are self-delegated by default.
/// Composed of its parts (contracts/shares/): the state (ModelSharesStorage), the ERC-20
/// (ModelSharesToken), the votes (ModelSharesVotes) and the revenue (ModelSharesRevenue). What
/// changes balances is here, where the parts meet: minting the supply, transfers and burns move
/// balance, votes and revenue correction together, one write per touched slot.
contract ModelShares is IModelShares, ModelSharesVotes, ModelSharesRevenue {
    using SafeCast for uint256;
    using SafeCast for int256;
    using Checkpoints for Checkpoints.Trace208;

    /// @dev Deployed once, by ModelSharesFactory (ModelSharesStorage records the factory and this
    /// implementation's address); clones are set up through initialize.
    constructor() {}

    /// @inheritdoc IModelShares
    function initialize(uint256 supply, address initialHolder) external {
        if (msg.sender != _FACTORY || address(this) == _SELF || _totals.supply != 0) {
            revert InvalidInitialization();
        }
        if (initialHolder == address(0)) revert ModelSharesZeroAddress();
        if (supply == 0) revert ModelSharesZeroSupply();
        if (supply > type(uint96).max) revert ModelSharesSupplyTooLarge(supply, type(uint96).max);
        uint32 now32 = _now32();
        ModelSharesWords.store(_totals, ModelSharesWords.newTotals(uint96(supply), now32));
        ModelSharesWords.store(_holders[initialHolder], ModelSharesWords.newHolder(uint96(supply), now32));
        _revenue[initialHolder].flags = _ANNOUNCED;
        emit Transfer(address(0), initialHolder, supply);
        emit DelegateChanged(initialHolder, address(0), initialHolder);
        emit DelegateVotesChanged(initialHolder, 0, supply);
    }

    /// @inheritdoc IModelShares
    function burn(uint256 value) external {
        if (value == 0) revert ModelSharesZeroAmount();
        TotalsWord t = ModelSharesWords.load(_totals);
        if (value >= t.supply()) revert ModelSharesBurnsLastShares(value, t.supply());
        uint256 mps;
        (t, mps) = _checkpointPerShare(t); // the divisor changes

        HolderWord h = ModelSharesWords.load(_holders[msg.sender]);
        if (h.balance() < value) revert ERC20InsufficientBalance(msg.sender, h.balance(), value);
        RevenueWord rev = ModelSharesWords.load(_revenue[msg.sender]);
        h = h.subBalance(uint96(value));
        rev = rev.setCorrection((int256(rev.correction()) + (mps * value).toInt256()).toInt248());
        address d = _delegateOf(msg.sender, rev.flags());
        if (d == msg.sender) {
            h = _setVotes(msg.sender, h, h.votes() - value);
        } else {
            _addVotes(d, value, false);
        }
        ModelSharesWords.store(_holders[msg.sender], h);
        ModelSharesWords.store(_revenue[msg.sender], rev);

        uint32 now32 = _now32();
        if (t.supplyBlock() != now32) _pastSupply.push(t.supplyBlock(), t.supply());
        ModelSharesWords.store(_totals, t.setSupplyAndSupplyBlock(t.supply() - uint96(value), now32));
        emit Transfer(msg.sender, address(0), value);
    }

    /// @dev Moves `value` from `from` to `to`: balances, votes of both delegates and revenue
    /// corrections (by the exact magnified amount at the live per-share value), one write per
    /// touched slot.
    function _transfer(address from, address to, uint256 value) internal override {
        if (from == address(0)) revert ERC20InvalidSender(address(0));
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        HolderWord f = ModelSharesWords.load(_holders[from]);
        if (f.balance() < value) revert ERC20InsufficientBalance(from, f.balance(), value);
        if (from == to || value == 0) {
            emit Transfer(from, to, value);
            return;
        }
        int256 magnified = (_perShareNow() * value).toInt256();

        HolderWord t = ModelSharesWords.load(_holders[to]);
        RevenueWord rf = ModelSharesWords.load(_revenue[from]);
        RevenueWord rt = ModelSharesWords.load(_revenue[to]);
        f = f.subBalance(uint96(value));
        t = t.addBalance(uint96(value)); // <= supply < 2^96
        rf = rf.setCorrection((int256(rf.correction()) + magnified).toInt248());
        rt = rt.setCorrection((int256(rt.correction()) - magnified).toInt248());
        if (rt.flags() & (_HAS_DELEGATEE | _ANNOUNCED) == 0) {
            // First shares of an account: announce its implicit self-delegation (ERC-5805
            // indexers rebuild delegates from DelegateChanged).
            rt = rt.setFlags(rt.flags() | _ANNOUNCED);
            emit DelegateChanged(to, address(0), to);
        }

        address df = _delegateOf(from, rf.flags());
        address dt = _delegateOf(to, rt.flags());
        if (df != dt) {
            // The delegates are usually the holders themselves: their votes live in f / t.
            if (df == from) f = _setVotes(from, f, f.votes() - value);
            else if (df == to) t = _setVotes(to, t, t.votes() - value);
            else _addVotes(df, value, false);
            if (dt == to) t = _setVotes(to, t, t.votes() + value);
            else if (dt == from) f = _setVotes(from, f, f.votes() + value);
            else _addVotes(dt, value, true);
        }
        ModelSharesWords.store(_holders[from], f);
        ModelSharesWords.store(_holders[to], t);
        ModelSharesWords.store(_revenue[from], rf);
        ModelSharesWords.store(_revenue[to], rt);
        emit Transfer(from, to, value);
    }
}
