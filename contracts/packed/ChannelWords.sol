// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// A UsageCredits channel in one slot, keyed by the hash of its terms (consumer, gateway, model,
// salt), laid out as solc lays out ChannelRecord:
// | bits    | field   | type   |
// |---------|---------|--------|
// | 0-63    | deposit | uint64 |
// | 64-127  | settled | uint64 |
// | 128-159 | expiry  | uint32 |
// | 160-255 | (spare) |        |
// deposit is never 0 for a channel that was opened (a slot of 0 is "no channel"); expiry is 0
// once the channel is closed, and the slot keeps its deposit so the terms never open again.
// A receipt signer other than the consumer lives in a separate mapping, written only for the
// channels that have one.

/// @dev Declared layout of a channel (stored as ChannelWord).
struct ChannelRecord {
    uint64 deposit;
    uint64 settled;
    uint32 expiry; // 0 once closed
}

/// @dev A channel's slot: deposit, settled, expiry.
type ChannelWord is uint256;

using ChannelWords for ChannelWord global;

/// @notice Typed access to the slot of UsageCredits' channels and the channel id of their terms.
/// A field without an offset constant sits at bit 0.
library ChannelWords {
    uint256 internal constant SETTLED_OFFSET = 64;
    uint256 internal constant EXPIRY_OFFSET = 128;

    /// @dev `uint256(keccak256(abi.encode(consumer_, gateway_, modelId_, salt_)))`, hashed in
    /// scratch memory past the free memory pointer (nothing is allocated).
    function channelId(
        address consumer_,
        address gateway_,
        uint256 modelId_,
        uint256 salt_
    ) internal pure returns (uint256 id) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, consumer_)
            mstore(add(p, 0x20), gateway_)
            mstore(add(p, 0x40), modelId_)
            mstore(add(p, 0x60), salt_)
            id := keccak256(p, 0x80)
        }
    }

    /// @dev The slot of a new channel (nothing settled). `deposit_` in 1..2^64-1 and `expiry_`
    /// < 2^32 (checked by the caller).
    function newChannel(uint256 deposit_, uint256 expiry_) internal pure returns (ChannelWord) {
        return ChannelWord.wrap((expiry_ << EXPIRY_OFFSET) | deposit_);
    }

    /// @dev The slot's deposit, settled credits and expiry.
    function unpack(ChannelWord w) internal pure returns (uint64 deposit_, uint64 settled_, uint32 expiry_) {
        uint256 bits = ChannelWord.unwrap(w);
        (deposit_, settled_, expiry_) = (uint64(bits), uint64(bits >> SETTLED_OFFSET), uint32(bits >> EXPIRY_OFFSET));
    }

    /// @dev Whether a channel was ever opened in this slot (open or closed).
    function exists(ChannelWord w) internal pure returns (bool) {
        return ChannelWord.unwrap(w) != 0;
    }

    /// @dev The slot with a new deposit (< 2^64) and expiry (< 2^32), settled kept.
    function setDepositAndExpiry(ChannelWord w, uint256 deposit_, uint256 expiry_) internal pure returns (ChannelWord) {
        uint256 settledBits = ChannelWord.unwrap(w) & (uint256(type(uint64).max) << SETTLED_OFFSET);
        return ChannelWord.wrap((expiry_ << EXPIRY_OFFSET) | settledBits | deposit_);
    }

    /// @dev The slot with `settled_` (< 2^64), deposit and expiry kept.
    function setSettled(ChannelWord w, uint256 settled_) internal pure returns (ChannelWord) {
        uint256 cleared = ChannelWord.unwrap(w) & ~(uint256(type(uint64).max) << SETTLED_OFFSET);
        return ChannelWord.wrap(cleared | (settled_ << SETTLED_OFFSET));
    }

    /// @dev The slot closed (expiry 0) with `settled_` (< 2^64) settled, deposit kept.
    function close(ChannelWord w, uint256 settled_) internal pure returns (ChannelWord) {
        return ChannelWord.wrap((settled_ << SETTLED_OFFSET) | uint64(ChannelWord.unwrap(w)));
    }
}
