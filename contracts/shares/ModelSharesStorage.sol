// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Holder, Revenue, Schedule, Totals, PastVotesWord} from "../packed/ModelSharesWords.sol";

/// @title ModelSharesStorage
/// @notice The state of ModelShares, declared once for its token, votes and revenue parts.
/// @dev The parts share slots (a holder's balance and votes sit in one `Holder` word, the
/// delegation flags beside the revenue correction in one `Revenue` word), so the state is
/// declared here, in the order of the deployed layout: after Nonces' `_nonces` (slot 0;
/// ModelSharesToken inherits Nonces before this contract), `_totals` (slot 1) to `_pastSupply`
/// (13). Append only.
abstract contract ModelSharesStorage {
    using SafeCast for uint256;

    /// @dev Immutable clone arguments start after the 45-byte EIP-1167 proxy: router (20 bytes)
    /// | model id (12) | name length (1) | name | symbol.
    uint256 internal constant _ARGS = 0x2d;

    /// @dev The factory that deployed the implementation: the only caller of initialize.
    address internal immutable _FACTORY;
    /// @dev The implementation's own address: it can never be initialized.
    address internal immutable _SELF;

    // Packed one-word structs: contracts/packed/ModelSharesWords.sol (bit layouts, accessors).
    Totals internal _totals;
    Schedule internal _schedule;
    /// @dev Per-share value and unlocked revenue at the last burn (the divisor's last change).
    uint256 internal _baseMagnified;
    uint256 internal _baseUnlocked;
    /// @dev Revenue paid out to holders by the router on the token's behalf.
    uint256 internal _paid;
    mapping(address account => Holder) internal _holders;
    mapping(address account => Revenue) internal _revenue;
    /// @dev Past vote checkpoints, two per slot: checkpoint i sits in slot i / 2.
    mapping(address account => mapping(uint256 slot => PastVotesWord)) internal _pastVotes;
    mapping(address account => uint256) internal _claimed;
    mapping(address account => address payout) internal _payouts;
    mapping(address account => address) internal _delegatees;
    mapping(address account => mapping(address spender => uint256)) internal _allowances;
    /// @dev Total supply before `_totals.supplyBlock` (changes only at burns).
    Checkpoints.Trace208 internal _pastSupply;

    /// @dev Deployed by ModelSharesFactory; clones are set up through initialize.
    constructor() {
        _FACTORY = msg.sender;
        _SELF = address(this);
    }

    /// @dev The current block as stored in the packed words (vote and supply checkpoints).
    function _now32() internal view returns (uint32) {
        return block.number.toUint32();
    }
}
