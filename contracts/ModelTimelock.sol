// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TimelockControllerUpgradeable} from "@openzeppelin/contracts-upgradeable/governance/TimelockControllerUpgradeable.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title ModelTimelock
/// @notice Timelock of one fractionalized model: owner of the model NFT, hence the model's
/// authority (prices, offers, gateways, versions, status, revenue split). Executes what the
/// model's ModelGovernor passed after `getMinDelay()`. OpenZeppelin's upgradeable
/// TimelockController, used only as an EIP-1167 clone implementation (never behind a proxy admin:
/// clones cannot be upgraded).
/// @dev The Fractionalizer calls `initialize(minDelay, [governor], [address(0)], address(0))` in
/// the creating transaction: proposer + canceller = the model's governor, anyone may execute a
/// ready operation, no admin (DEFAULT_ADMIN_ROLE is held only by the timelock itself).
/// Gas: that standard set-up is stored in ONE slot (governor, delay, revocation flags) instead of
/// four role slots and a delay slot. The four default grants are "virtual": `hasRole` answers
/// true for them (and the RoleGranted events are emitted at initialization as OpenZeppelin does)
/// until they are revoked or renounced, which sets a flag and emits RoleRevoked; every other grant
/// uses OpenZeppelin's role storage. Any other initialize shape takes the generic path (roles in
/// OpenZeppelin's storage). The delay is stored as uint88 seconds.
contract ModelTimelock is TimelockControllerUpgradeable {
    /// @dev The standard set-up: the governor (zero on the generic path), the minimum delay and
    /// which default grants were revoked.
    struct Setup {
        address governor;
        uint88 minDelay;
        uint8 revoked;
    }

    uint8 private constant _SELF_ADMIN = 1;
    uint8 private constant _GOVERNOR_PROPOSER = 2;
    uint8 private constant _GOVERNOR_CANCELLER = 4;
    uint8 private constant _OPEN_EXECUTOR = 8;

    Setup private _setup;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Sets up a fresh clone (once; the implementation is locked). `minDelay` seconds
    /// between scheduling and execution; `proposers` get PROPOSER_ROLE and CANCELLER_ROLE,
    /// `executors` EXECUTOR_ROLE (address(0) = anyone), `admin` (optional) DEFAULT_ADMIN_ROLE
    /// besides the timelock itself - as OpenZeppelin's TimelockController.
    function initialize(
        uint256 minDelay,
        address[] memory proposers,
        address[] memory executors,
        address admin
    ) public override initializer {
        bool standard =
            proposers.length == 1 &&
                proposers[0] != address(0) &&
                executors.length == 1 &&
                executors[0] == address(0) &&
                admin == address(0);
        address governor = standard ? proposers[0] : address(0);
        _setup = Setup({governor: governor, minDelay: SafeCast.toUint88(minDelay), revoked: 0});
        emit RoleGranted(DEFAULT_ADMIN_ROLE, address(this), msg.sender);
        if (standard) {
            emit RoleGranted(PROPOSER_ROLE, governor, msg.sender);
            emit RoleGranted(CANCELLER_ROLE, governor, msg.sender);
            emit RoleGranted(EXECUTOR_ROLE, address(0), msg.sender);
        } else {
            if (admin != address(0)) _grantRole(DEFAULT_ADMIN_ROLE, admin);
            for (uint256 i = 0; i < proposers.length; ++i) {
                _grantRole(PROPOSER_ROLE, proposers[i]);
                _grantRole(CANCELLER_ROLE, proposers[i]);
            }
            for (uint256 i = 0; i < executors.length; ++i) {
                _grantRole(EXECUTOR_ROLE, executors[i]);
            }
        }
        emit MinDelayChange(0, minDelay);
    }

    /// @notice Whether `account` holds `role`: a stored grant or a default grant of the set-up
    /// that was not revoked.
    function hasRole(bytes32 role, address account) public view override returns (bool) {
        return super.hasRole(role, account) || _defaultGrant(role, account) != 0;
    }

    /// @notice The minimum delay of an operation, in seconds.
    function getMinDelay() public view override returns (uint256) {
        return _setup.minDelay;
    }

    /// @notice Changes the minimum delay; only the timelock itself (an executed operation).
    /// Delays above 2^88 - 1 seconds revert (SafeCast).
    function updateDelay(uint256 newDelay) public override {
        if (msg.sender != address(this)) revert TimelockUnauthorizedCaller(msg.sender);
        emit MinDelayChange(_setup.minDelay, newDelay);
        _setup.minDelay = SafeCast.toUint88(newDelay);
    }

    /// @dev Revoking (or renouncing) a default grant records it in the set-up flags.
    function _revokeRole(bytes32 role, address account) internal override returns (bool revoked) {
        uint8 flag = _defaultGrant(role, account);
        revoked = super._revokeRole(role, account); // emits RoleRevoked if hasRole was true
        if (flag != 0) _setup.revoked |= flag;
    }

    /// @dev The flag of the default grant (`role`, `account`) if it is in force, else 0.
    function _defaultGrant(bytes32 role, address account) private view returns (uint8 flag) {
        Setup memory s = _setup;
        if (role == DEFAULT_ADMIN_ROLE && account == address(this)) flag = _SELF_ADMIN;
        else if (s.governor == address(0)) return 0;
        else if (role == PROPOSER_ROLE && account == s.governor) flag = _GOVERNOR_PROPOSER;
        else if (role == CANCELLER_ROLE && account == s.governor) flag = _GOVERNOR_CANCELLER;
        else if (role == EXECUTOR_ROLE && account == address(0)) flag = _OPEN_EXECUTOR;
        if (s.revoked & flag != 0) flag = 0;
    }
}
