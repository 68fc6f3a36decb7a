// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {PackedBits} from "./PackedBits.sol";

// One ModelShares account's balance and votes, one word (solc's layout of Holder):
// | bits    | field      | type   |
// |---------|------------|--------|
// | 0-95    | balance    | uint96 |
// | 96-191  | votes      | uint96 |  votes delegated to the account, valid from `votesBlock` on
// | 192-223 | votesBlock | uint32 |  0 = never had votes
// | 224-255 | pastCount  | uint32 |  past vote checkpoints (those before `votesBlock`)

/// @dev Declared layout of a holder's slot (checked against the constants below by
/// tests/unit/toolchain/test_storage_layout.py).
struct Holder {
    uint96 balance;
    uint96 votes;
    uint32 votesBlock;
    uint32 pastCount;
}

/// @dev A holder's slot loaded as one word.
type HolderWord is uint256;

using HolderWords for HolderWord global;

/// @title HolderWords
/// @notice Typed access to ModelShares' per-account balance + votes word.
library HolderWords {
    uint256 internal constant BALANCE_OFFSET = 0;
    uint256 internal constant BALANCE_BITS = 96;
    uint256 internal constant VOTES_OFFSET = 96;
    uint256 internal constant VOTES_BITS = 96;
    uint256 internal constant VOTES_BLOCK_OFFSET = 192;
    uint256 internal constant VOTES_BLOCK_BITS = 32;
    uint256 internal constant PAST_COUNT_OFFSET = 224;
    uint256 internal constant PAST_COUNT_BITS = 32;

    function load(Holder storage s) internal view returns (HolderWord w) {
        assembly ("memory-safe") {
            w := sload(s.slot)
        }
    }

    function store(Holder storage s, HolderWord w) internal {
        assembly ("memory-safe") {
            sstore(s.slot, w)
        }
    }

    function balance(HolderWord w) internal pure returns (uint96) {
        return uint96(HolderWord.unwrap(w) >> BALANCE_OFFSET);
    }

    function votes(HolderWord w) internal pure returns (uint96) {
        return uint96(HolderWord.unwrap(w) >> VOTES_OFFSET);
    }

    function votesBlock(HolderWord w) internal pure returns (uint32) {
        return uint32(HolderWord.unwrap(w) >> VOTES_BLOCK_OFFSET);
    }

    function pastCount(HolderWord w) internal pure returns (uint32) {
        return uint32(HolderWord.unwrap(w) >> PAST_COUNT_OFFSET);
    }

    function withBalance(HolderWord w, uint96 value) internal pure returns (HolderWord) {
        return HolderWord.wrap(PackedBits.put(HolderWord.unwrap(w), BALANCE_OFFSET, BALANCE_BITS, value));
    }

    /// @dev `w` with `value` added to its balance; the caller ensures the sum fits 96 bits.
    function addBalance(HolderWord w, uint96 value) internal pure returns (HolderWord) {
        return HolderWord.wrap(HolderWord.unwrap(w) + (uint256(value) << BALANCE_OFFSET));
    }

    /// @dev `w` with `value` taken from its balance; the caller ensures `value <= balance`.
    function subBalance(HolderWord w, uint96 value) internal pure returns (HolderWord) {
        return HolderWord.wrap(HolderWord.unwrap(w) - (uint256(value) << BALANCE_OFFSET));
    }

    function withVotes(HolderWord w, uint96 value) internal pure returns (HolderWord) {
        return HolderWord.wrap(PackedBits.put(HolderWord.unwrap(w), VOTES_OFFSET, VOTES_BITS, value));
    }

    function withVotesBlock(HolderWord w, uint32 value) internal pure returns (HolderWord) {
        return HolderWord.wrap(PackedBits.put(HolderWord.unwrap(w), VOTES_BLOCK_OFFSET, VOTES_BLOCK_BITS, value));
    }

    function withPastCount(HolderWord w, uint32 value) internal pure returns (HolderWord) {
        return HolderWord.wrap(PackedBits.put(HolderWord.unwrap(w), PAST_COUNT_OFFSET, PAST_COUNT_BITS, value));
    }
}
