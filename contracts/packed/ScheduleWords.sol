// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// ModelShares' revenue unlock schedule, one word (solc's layout of Schedule):
// | bits    | field  | type    |
// |---------|--------|---------|
// | 0-127   | locked | uint128 |  observed revenue still locked at `start`
// | 128-191 | start  | uint64  |  timestamp of the last observation of new revenue
// | 192-255 | end    | uint64  |  timestamp at which all of `locked` has unlocked (linearly)

/// @dev Declared layout of the schedule slot (checked against the constants below by
/// tests/unit/toolchain/test_storage_layout.py).
struct Schedule {
    uint128 locked;
    uint64 start;
    uint64 end;
}

/// @dev The schedule slot loaded as one word; zero before the first observation.
type ScheduleWord is uint256;

using ScheduleWords for ScheduleWord global;

/// @title ScheduleWords
/// @notice Typed access to ModelShares' unlock schedule word.
library ScheduleWords {
    uint256 internal constant LOCKED_OFFSET = 0;
    uint256 internal constant LOCKED_BITS = 128;
    uint256 internal constant START_OFFSET = 128;
    uint256 internal constant START_BITS = 64;
    uint256 internal constant END_OFFSET = 192;
    uint256 internal constant END_BITS = 64;

    function load(Schedule storage s) internal view returns (ScheduleWord w) {
        assembly ("memory-safe") {
            w := sload(s.slot)
        }
    }

    function store(Schedule storage s, ScheduleWord w) internal {
        assembly ("memory-safe") {
            sstore(s.slot, w)
        }
    }

    function pack(uint128 locked_, uint64 start_, uint64 end_) internal pure returns (ScheduleWord) {
        return ScheduleWord.wrap(
            (uint256(locked_) << LOCKED_OFFSET) | (uint256(start_) << START_OFFSET) | (uint256(end_) << END_OFFSET)
        );
    }

    function locked(ScheduleWord w) internal pure returns (uint128) {
        return uint128(ScheduleWord.unwrap(w) >> LOCKED_OFFSET);
    }

    function start(ScheduleWord w) internal pure returns (uint64) {
        return uint64(ScheduleWord.unwrap(w) >> START_OFFSET);
    }

    function end(ScheduleWord w) internal pure returns (uint64) {
        return uint64(ScheduleWord.unwrap(w) >> END_OFFSET);
    }
}
