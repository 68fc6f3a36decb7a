// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";
import {IERC6372} from "@openzeppelin/contracts/interfaces/IERC6372.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {IModelShares} from "../../interfaces/IModelShares.sol";
import {Holder, HolderWord, PastVotesWord, Totals, ModelSharesWords} from "../packed/ModelSharesWords.sol";
import {ModelSharesToken} from "./ModelSharesToken.sol";

/// @title ModelSharesVotes
/// @notice The votes part of ModelShares (ERC-5805, block-number clock): delegation, delegation
/// by signature, vote and supply checkpoints.
/// @dev Semantics follow OpenZeppelin 5's ERC20Votes (same events and errors), except that
/// holders are self-delegated by default. A holder's votes sit in its `Holder` word beside its
/// balance, valid from `votesBlock`; earlier values are past checkpoints, two per slot.
abstract contract ModelSharesVotes is IERC5805, ModelSharesToken {
    using Checkpoints for Checkpoints.Trace208;

    /// @dev Revenue word flags: `_delegatees` holds the account's delegate.
    uint8 internal constant _HAS_DELEGATEE = 1;
    /// @dev Revenue word flags: DelegateChanged announced the account's delegate (implicitly
    /// itself).
    uint8 internal constant _ANNOUNCED = 2;
    bytes32 private constant _DELEGATION_TYPEHASH = keccak256(
        "Delegation(address delegatee,uint256 nonce,uint256 expiry)"
    );

    /// @inheritdoc IVotes
    function delegate(address delegatee) external {
        _delegate(msg.sender, delegatee);
    }

    /// @inheritdoc IVotes
    function delegateBySig(address delegatee, uint256 nonce, uint256 expiry, uint8 v, bytes32 r, bytes32 s) external {
        if (block.timestamp > expiry) revert VotesExpiredSignature(expiry);
        bytes32 structHash = keccak256(abi.encode(_DELEGATION_TYPEHASH, delegatee, nonce, expiry));
        address signer = ECDSA.recover(_hashTypedData(structHash), v, r, s);
        _useCheckedNonce(signer, nonce);
        _delegate(signer, delegatee);
    }

    /// @inheritdoc IERC6372
    function clock() public view returns (uint48) {
        return uint48(block.number);
    }

    /// @inheritdoc IERC6372
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() external pure returns (string memory) {
        return "mode=blocknumber&from=default";
    }

    /// @inheritdoc IVotes
    function getVotes(address account) external view returns (uint256) {
        return _holders[account].votes;
    }

    /// @inheritdoc IVotes
    function getPastVotes(address account, uint256 timepoint) external view returns (uint256) {
        _checkPast(timepoint);
        Holder memory h = _holders[account];
        if (timepoint >= h.votesBlock) return h.votes;
        // Last past checkpoint at or before `timepoint` (binary search; entries ascend).
        uint256 low;
        uint256 high = h.pastCount;
        while (low < high) {
            uint256 mid = (low + high) / 2;
            (uint256 key, ) = _pastEntry(account, mid);
            if (key > timepoint) high = mid;
            else low = mid + 1;
        }
        if (low == 0) return 0;
        (, uint256 votes) = _pastEntry(account, low - 1);
        return votes;
    }

    /// @inheritdoc IVotes
    function getPastTotalSupply(uint256 timepoint) external view returns (uint256) {
        _checkPast(timepoint);
        Totals memory t = _totals;
        if (timepoint >= t.supplyBlock) return t.supply;
        return _pastSupply.upperLookupRecent(uint48(timepoint));
    }

    /// @inheritdoc IVotes
    /// @dev The account itself until it delegates elsewhere (no delegate step needed).
    function delegates(address account) external view returns (address) {
        return _delegateOf(account, _revenue[account].flags);
    }

    /// @inheritdoc IModelShares
    function numCheckpoints(address account) external view returns (uint32) {
        Holder memory h = _holders[account];
        return h.votesBlock == 0 ? h.pastCount : h.pastCount + 1;
    }

    /// @inheritdoc IModelShares
    function checkpoints(address account, uint32 pos) external view returns (Checkpoints.Checkpoint208 memory) {
        Holder memory h = _holders[account];
        if (pos == h.pastCount && h.votesBlock != 0) {
            return Checkpoints.Checkpoint208({_key: h.votesBlock, _value: h.votes});
        }
        if (pos >= h.pastCount) revert ModelSharesNoCheckpoint(account, pos);
        (uint256 key, uint256 votes) = _pastEntry(account, pos);
        return Checkpoints.Checkpoint208({_key: uint48(key), _value: uint208(votes)});
    }

    /// @dev Adds (or removes) `amount` votes of an account other than the two being written by
    /// the caller.
    function _addVotes(address account, uint256 amount, bool add) internal {
        HolderWord h = ModelSharesWords.load(_holders[account]);
        ModelSharesWords.store(_holders[account], _setVotes(account, h, add ? h.votes() + amount : h.votes() - amount));
    }

    /// @dev Returns `h` with votes `newVotes` (the caller stores it), first moving the previous
    /// value to the past checkpoints if it was set in an earlier block.
    function _setVotes(address account, HolderWord h, uint256 newVotes) internal returns (HolderWord) {
        uint32 now32 = _now32();
        uint32 votesBlock = h.votesBlock();
        if (votesBlock != now32) {
            uint256 i = h.pastCount();
            if (votesBlock != 0) {
                mapping(uint256 => PastVotesWord) storage past = _pastVotes[account];
                if (i % 2 == 0) past[i / 2] = ModelSharesWords.newPastVotes(votesBlock, h.votes());
                else past[i / 2] = past[i / 2].setNextBlockAndVotes(votesBlock, h.votes());
                ++i; // < number of blocks < 2^32
            }
            h = h.setVotesBlockAndPastCount(now32, uint32(i));
        }
        emit DelegateVotesChanged(account, h.votes(), newVotes);
        return h.setVotes(uint96(newVotes)); // <= supply < 2^96
    }

    function _delegateOf(address account, uint8 flags) internal view returns (address) {
        return flags & _HAS_DELEGATEE != 0 ? _delegatees[account] : account;
    }

    /// @dev Delegating to address(0) means delegating to oneself: votes are never parked at
    /// address(0), which keeps `delegates` and the vote checkpoints consistent.
    function _delegate(address account, address delegatee) private {
        if (delegatee == address(0)) delegatee = account;
        uint8 flags = _revenue[account].flags;
        address old = _delegateOf(account, flags);
        // An account whose implicit self-delegation was never announced had, for indexers, no
        // delegate yet.
        address announcedOld = flags & (_HAS_DELEGATEE | _ANNOUNCED) == 0 ? address(0) : old;
        uint8 updated = flags | _ANNOUNCED;
        if (delegatee == account) {
            if (flags & _HAS_DELEGATEE != 0) delete _delegatees[account];
            updated &= ~_HAS_DELEGATEE;
        } else {
            _delegatees[account] = delegatee;
            updated |= _HAS_DELEGATEE;
        }
        if (updated != flags) _revenue[account].flags = updated;
        emit DelegateChanged(account, announcedOld, delegatee);
        if (old != delegatee) {
            uint256 balance = _holders[account].balance;
            if (balance != 0) {
                _addVotes(old, balance, false);
                _addVotes(delegatee, balance, true);
            }
        }
    }

    function _pastEntry(address account, uint256 i) private view returns (uint256 key, uint256 votes) {
        (key, votes) = _pastVotes[account][i / 2].entry(i);
    }

    function _checkPast(uint256 timepoint) private view {
        uint48 now48 = clock();
        if (timepoint >= now48) revert ERC5805FutureLookup(timepoint, now48);
    }
}
