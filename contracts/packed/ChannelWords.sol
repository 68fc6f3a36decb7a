// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// A UsageCredits channel in two slots, laid out as solc lays out ChannelRecord, plus a third
// slot for a receipt signer other than the consumer. Slot A (ChannelTermsWord) is what the
// consumer changes, slot B (ChannelSettlementWord) what settlement reads and writes:
// slot A                                  slot B
// | bits    | field    | type    |        | bits    | field   | type    |
// |---------|----------|---------|        |---------|---------|---------|
// | 0-159   | consumer | address |        | 0-159   | gateway | address |
// | 160-223 | deposit  | uint64  |        | 160-223 | settled | uint64  |
// | 224-255 | expiry   | uint32  |        | 224-255 | modelId | uint32  |
// expiry is 0 once the channel is closed. Slot C holds `signer`, the key fixed at opening that
// signs the channel's receipts besides the consumer; it is written only when that key is not
// the consumer (address(0) otherwise), so a channel signed by its consumer keeps two slots.
// UsageCredits stores a channel as ChannelSlots, its first two slots as typed words.

/// @dev Declared layout of a channel (stored as ChannelSlots).
struct ChannelRecord {
    address consumer; // slot A
    uint64 deposit; // slot A
    uint32 expiry; // slot A: 0 once closed
    address gateway; // slot B
    uint64 settled; // slot B
    uint32 modelId; // slot B
    address signer; // slot C: address(0) when the consumer signs
}

/// @dev Slot A of a channel: consumer, deposit, expiry.
type ChannelTermsWord is uint256;

using ChannelWords for ChannelTermsWord global;

/// @dev Slot B of a channel: gateway, settled, model.
type ChannelSettlementWord is uint256;

using ChannelWords for ChannelSettlementWord global;

/// @dev A channel as stored: settling it reads slots A and B and writes slot B (slot C only for
/// a receipt not signed by the consumer); opening one writes A and B, and C only for a signer
/// other than the consumer.
struct ChannelSlots {
    ChannelTermsWord terms;
    ChannelSettlementWord settlement;
    address signer;
}

/// @notice Typed access to the slots of UsageCredits' channels. A field without an offset constant
/// sits at bit 0.
library ChannelWords {
    uint256 internal constant DEPOSIT_OFFSET = 160;
    uint256 internal constant EXPIRY_OFFSET = 224;
    uint256 internal constant SETTLED_OFFSET = 160;
    uint256 internal constant MODEL_ID_OFFSET = 224;

    /// @dev Slot A of a new channel. `deposit` < 2^64 and `expiry` < 2^32 (checked by the caller).
    function newChannelTerms(
        address consumer_,
        uint256 deposit_,
        uint256 expiry_
    ) internal pure returns (ChannelTermsWord) {
        return ChannelTermsWord.wrap((expiry_ << EXPIRY_OFFSET) | (deposit_ << DEPOSIT_OFFSET) | uint160(consumer_));
    }

    /// @dev Slot B of a new channel (nothing settled). `modelId_` < 2^32 (checked by the caller).
    function newChannelSettlement(address gateway_, uint256 modelId_) internal pure returns (ChannelSettlementWord) {
        return ChannelSettlementWord.wrap((modelId_ << MODEL_ID_OFFSET) | uint160(gateway_));
    }

    function consumer(ChannelTermsWord w) internal pure returns (address) {
        return address(uint160(ChannelTermsWord.unwrap(w)));
    }

    function deposit(ChannelTermsWord w) internal pure returns (uint64) {
        return uint64(ChannelTermsWord.unwrap(w) >> DEPOSIT_OFFSET);
    }

    function expiry(ChannelTermsWord w) internal pure returns (uint32) {
        return uint32(ChannelTermsWord.unwrap(w) >> EXPIRY_OFFSET);
    }

    /// @dev Slot A with a new deposit (< 2^64) and expiry (< 2^32), the consumer kept.
    function setDepositAndExpiry(
        ChannelTermsWord w,
        uint256 deposit_,
        uint256 expiry_
    ) internal pure returns (ChannelTermsWord) {
        return newChannelTerms(consumer(w), deposit_, expiry_);
    }

    /// @dev Slot A with expiry `expiry_` (< 2^32), consumer and deposit kept.
    function setExpiry(ChannelTermsWord w, uint256 expiry_) internal pure returns (ChannelTermsWord) {
        uint256 cleared = ChannelTermsWord.unwrap(w) & ~(uint256(type(uint32).max) << EXPIRY_OFFSET);
        return ChannelTermsWord.wrap(cleared | (expiry_ << EXPIRY_OFFSET));
    }

    /// @dev Slot B's gateway, settled credits and model.
    function unpack(
        ChannelSettlementWord w
    ) internal pure returns (address gateway_, uint64 settled_, uint32 modelId_) {
        uint256 bits = ChannelSettlementWord.unwrap(w);
        gateway_ = address(uint160(bits));
        (settled_, modelId_) = (uint64(bits >> SETTLED_OFFSET), uint32(bits >> MODEL_ID_OFFSET));
    }

    /// @dev Slot B with `settled_` (< 2^64), gateway and model kept.
    function setSettled(ChannelSettlementWord w, uint256 settled_) internal pure returns (ChannelSettlementWord) {
        uint256 cleared = ChannelSettlementWord.unwrap(w) & ~(uint256(type(uint64).max) << SETTLED_OFFSET);
        return ChannelSettlementWord.wrap(cleared | (settled_ << SETTLED_OFFSET));
    }
}
