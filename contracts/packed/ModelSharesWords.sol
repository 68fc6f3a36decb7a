// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// ModelShares' packed words, each one slot laid out as solc lays out its struct:
// Holder (per account)                         Revenue (per account)
// | bits    | field      | type   |             | bits    | field      | type   |
// |---------|------------|--------|             |---------|------------|--------|
// | 0-95    | balance    | uint96 |             | 0-247   | correction | int248 |
// | 96-191  | votes      | uint96 |             | 248-255 | flags      | uint8  |
// | 192-223 | votesBlock | uint32 |
// | 224-255 | pastCount  | uint32 |             Schedule
//                                               | bits    | field  | type    |
// Totals                                        |---------|--------|---------|
// | bits    | field       | type    |           | 0-127   | locked | uint128 |
// |---------|-------------|---------|           | 128-191 | start  | uint64  |
// | 0-95    | supply      | uint96  |           | 192-255 | end    | uint64  |
// | 96-127  | supplyBlock | uint32  |
// | 128-247 | observed    | uint120 |           PastVotes (two past vote checkpoints)
// | 248-255 | flags       | uint8   |           | bits    | field      | type   |
//                                               |---------|------------|--------|
//                                               | 0-95    | votes      | uint96 |
//                                               | 96-127  | votesBlock | uint32 |
//                                               | 128-223 | nextVotes  | uint96 |
//                                               | 224-255 | nextBlock  | uint32 |
// Holder: `votes` delegated to the account are valid from `votesBlock` on (0 = never had
// votes); `pastCount` counts the past vote checkpoints (those before `votesBlock`), kept two a
// slot in PastVotes: checkpoint i in slot i / 2, its low half if i is even. Revenue: the
// magnified revenue correction (see IModelShares) and ModelShares' _HAS_DELEGATEE / _ANNOUNCED.
// Totals: `supplyBlock` is the block of the supply's last change, `observed` the revenue routed
// to the token that a claim or sync has seen, `flags` ModelShares' _HAS_BASE. Schedule: the
// observed revenue still `locked` at `start` (the last observation of new revenue) unlocks
// linearly until `end`.

/// @dev One holder's balance and votes.
struct Holder {
    uint96 balance;
    uint96 votes;
    uint32 votesBlock;
    uint32 pastCount;
}

/// @dev A Holder loaded as one word.
type HolderWord is uint256;

using ModelSharesWords for HolderWord global;

/// @dev One holder's revenue correction and flags.
struct Revenue {
    int248 correction;
    uint8 flags;
}

/// @dev A Revenue loaded as one word.
type RevenueWord is uint256;

using ModelSharesWords for RevenueWord global;

/// @dev The supply and the observed revenue.
struct Totals {
    uint96 supply;
    uint32 supplyBlock;
    uint120 observed;
    uint8 flags;
}

/// @dev The Totals loaded as one word.
type TotalsWord is uint256;

using ModelSharesWords for TotalsWord global;

/// @dev The revenue unlock schedule.
struct Schedule {
    uint128 locked;
    uint64 start;
    uint64 end;
}

/// @dev The Schedule loaded as one word; zero before the first observation.
type ScheduleWord is uint256;

using ModelSharesWords for ScheduleWord global;

/// @dev Declared layout of a slot of past vote checkpoints (stored as a PastVotesWord).
struct PastVotes {
    uint96 votes;
    uint32 votesBlock;
    uint96 nextVotes;
    uint32 nextBlock;
}

/// @dev A slot of two past vote checkpoints.
type PastVotesWord is uint256;

using ModelSharesWords for PastVotesWord global;

/// @notice Typed access to ModelShares' packed words. A field without an offset constant sits
/// at bit 0; setters take values that fit their field (the typed parameter says how wide).
library ModelSharesWords {
    uint256 internal constant VOTES_OFFSET = 96;
    uint256 internal constant VOTES_BLOCK_OFFSET = 192;
    uint256 internal constant PAST_COUNT_OFFSET = 224;
    uint256 internal constant REVENUE_FLAGS_OFFSET = 248;
    uint256 internal constant TOTALS_SUPPLY_BLOCK_OFFSET = 96;
    uint256 internal constant TOTALS_OBSERVED_OFFSET = 128;
    uint256 internal constant TOTALS_FLAGS_OFFSET = 248;
    uint256 internal constant START_OFFSET = 128;
    uint256 internal constant END_OFFSET = 192;
    uint256 internal constant PAST_VOTES_BLOCK_OFFSET = 96;
    uint256 internal constant PAST_NEXT_VOTES_OFFSET = 128;
    uint256 internal constant PAST_NEXT_BLOCK_OFFSET = 224;

    // ---------------------------------------------------------------- Holder
    // prettier-ignore
    function load(Holder storage s) internal view returns (HolderWord w) { assembly ("memory-safe") { w := sload(s.slot) } }

    // prettier-ignore
    function store(Holder storage s, HolderWord w) internal { assembly ("memory-safe") { sstore(s.slot, w) } }

    function balance(HolderWord w) internal pure returns (uint96) {
        return uint96(HolderWord.unwrap(w));
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

    /// @dev A new holder's word: `amount` shares and as many votes from block `block_`.
    function newHolder(uint96 amount, uint32 block_) internal pure returns (HolderWord) {
        uint256 a = amount;
        return HolderWord.wrap(a | (a << VOTES_OFFSET) | (uint256(block_) << VOTES_BLOCK_OFFSET));
    }

    /// @dev `w` with `value` added to its balance; the caller ensures the sum fits 96 bits.
    function addBalance(HolderWord w, uint96 value) internal pure returns (HolderWord) {
        return HolderWord.wrap(HolderWord.unwrap(w) + value);
    }

    /// @dev `w` with `value` taken from its balance; the caller ensures `value <= balance`.
    function subBalance(HolderWord w, uint96 value) internal pure returns (HolderWord) {
        return HolderWord.wrap(HolderWord.unwrap(w) - value);
    }

    function setVotes(HolderWord w, uint96 value) internal pure returns (HolderWord) {
        uint256 cleared = HolderWord.unwrap(w) & ~(uint256(type(uint96).max) << VOTES_OFFSET);
        return HolderWord.wrap(cleared | (uint256(value) << VOTES_OFFSET));
    }

    /// @dev `w` with votes valid from block `block_` and `count` past checkpoints.
    function setVotesBlockAndPastCount(HolderWord w, uint32 block_, uint32 count) internal pure returns (HolderWord) {
        uint256 kept = HolderWord.unwrap(w) & ((1 << VOTES_BLOCK_OFFSET) - 1); // balance and votes
        return HolderWord.wrap(kept | (uint256(block_) << VOTES_BLOCK_OFFSET) | (uint256(count) << PAST_COUNT_OFFSET));
    }

    // --------------------------------------------------------------- Revenue
    // prettier-ignore
    function load(Revenue storage s) internal view returns (RevenueWord w) { assembly ("memory-safe") { w := sload(s.slot) } }

    // prettier-ignore
    function store(Revenue storage s, RevenueWord w) internal { assembly ("memory-safe") { sstore(s.slot, w) } }

    function correction(RevenueWord w) internal pure returns (int248) {
        return int248(uint248(RevenueWord.unwrap(w)));
    }

    function flags(RevenueWord w) internal pure returns (uint8) {
        return uint8(RevenueWord.unwrap(w) >> REVENUE_FLAGS_OFFSET);
    }

    function setCorrection(RevenueWord w, int248 value) internal pure returns (RevenueWord) {
        uint256 cleared = RevenueWord.unwrap(w) & ~uint256(type(uint248).max);
        return RevenueWord.wrap(cleared | uint248(value));
    }

    function setFlags(RevenueWord w, uint8 value) internal pure returns (RevenueWord) {
        return RevenueWord.wrap(uint248(RevenueWord.unwrap(w)) | (uint256(value) << REVENUE_FLAGS_OFFSET));
    }

    // ---------------------------------------------------------------- Totals
    // prettier-ignore
    function load(Totals storage s) internal view returns (TotalsWord w) { assembly ("memory-safe") { w := sload(s.slot) } }

    // prettier-ignore
    function store(Totals storage s, TotalsWord w) internal { assembly ("memory-safe") { sstore(s.slot, w) } }

    /// @dev The totals of a new token: `supply_` minted in block `block_`, nothing observed.
    function newTotals(uint96 supply_, uint32 block_) internal pure returns (TotalsWord) {
        return TotalsWord.wrap(uint256(supply_) | (uint256(block_) << TOTALS_SUPPLY_BLOCK_OFFSET));
    }

    function supply(TotalsWord w) internal pure returns (uint96) {
        return uint96(TotalsWord.unwrap(w));
    }

    function supplyBlock(TotalsWord w) internal pure returns (uint32) {
        return uint32(TotalsWord.unwrap(w) >> TOTALS_SUPPLY_BLOCK_OFFSET);
    }

    function observed(TotalsWord w) internal pure returns (uint120) {
        return uint120(TotalsWord.unwrap(w) >> TOTALS_OBSERVED_OFFSET);
    }

    function flags(TotalsWord w) internal pure returns (uint8) {
        return uint8(TotalsWord.unwrap(w) >> TOTALS_FLAGS_OFFSET);
    }

    /// @dev `w` with supply `supply_` from block `block_` (observed and flags kept).
    function setSupplyAndSupplyBlock(TotalsWord w, uint96 supply_, uint32 block_) internal pure returns (TotalsWord) {
        uint256 kept = TotalsWord.unwrap(w) & ~((1 << TOTALS_OBSERVED_OFFSET) - 1);
        return TotalsWord.wrap(kept | supply_ | (uint256(block_) << TOTALS_SUPPLY_BLOCK_OFFSET));
    }

    function setObserved(TotalsWord w, uint120 value) internal pure returns (TotalsWord) {
        uint256 cleared = TotalsWord.unwrap(w) & ~(uint256(type(uint120).max) << TOTALS_OBSERVED_OFFSET);
        return TotalsWord.wrap(cleared | (uint256(value) << TOTALS_OBSERVED_OFFSET));
    }

    function setFlags(TotalsWord w, uint8 value) internal pure returns (TotalsWord) {
        uint256 cleared = TotalsWord.unwrap(w) & ~(uint256(type(uint8).max) << TOTALS_FLAGS_OFFSET);
        return TotalsWord.wrap(cleared | (uint256(value) << TOTALS_FLAGS_OFFSET));
    }

    // -------------------------------------------------------------- Schedule
    // prettier-ignore
    function load(Schedule storage s) internal view returns (ScheduleWord w) { assembly ("memory-safe") { w := sload(s.slot) } }

    // prettier-ignore
    function store(Schedule storage s, ScheduleWord w) internal { assembly ("memory-safe") { sstore(s.slot, w) } }

    /// @dev A schedule: `locked_` revenue at `start_`, unlocking linearly until `end_`.
    function newSchedule(uint128 locked_, uint64 start_, uint64 end_) internal pure returns (ScheduleWord) {
        return ScheduleWord.wrap(uint256(locked_) | (uint256(start_) << START_OFFSET) | (uint256(end_) << END_OFFSET));
    }

    /// @dev The schedule's locked revenue, start and end.
    function unpack(ScheduleWord w) internal pure returns (uint128 locked, uint64 start, uint64 end) {
        uint256 bits = ScheduleWord.unwrap(w);
        (locked, start, end) = (uint128(bits), uint64(bits >> START_OFFSET), uint64(bits >> END_OFFSET));
    }

    // ------------------------------------------------------------- PastVotes
    /// @dev A slot whose first checkpoint is `votes_` from block `block_` (the second empty).
    function newPastVotes(uint32 block_, uint96 votes_) internal pure returns (PastVotesWord) {
        return PastVotesWord.wrap(uint256(votes_) | (uint256(block_) << PAST_VOTES_BLOCK_OFFSET));
    }

    /// @dev `w` (its first checkpoint set) with its second checkpoint `votes_` from block `block_`.
    function setNextBlockAndVotes(PastVotesWord w, uint32 block_, uint96 votes_) internal pure returns (PastVotesWord) {
        uint256 second = (uint256(votes_) << PAST_NEXT_VOTES_OFFSET) | (uint256(block_) << PAST_NEXT_BLOCK_OFFSET);
        return PastVotesWord.wrap(PastVotesWord.unwrap(w) | second);
    }

    /// @dev Checkpoint `i` of the account whose slot i / 2 is `w`: its block and votes. The
    /// second checkpoint's fields sit PAST_NEXT_VOTES_OFFSET above the first's.
    function entry(PastVotesWord w, uint256 i) internal pure returns (uint32 block_, uint96 votes_) {
        uint256 bits = PastVotesWord.unwrap(w) >> ((i % 2) * PAST_NEXT_VOTES_OFFSET);
        (block_, votes_) = (uint32(bits >> PAST_VOTES_BLOCK_OFFSET), uint96(bits));
    }
}
