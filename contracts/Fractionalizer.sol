// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {IModelGovernor} from "../interfaces/IModelGovernor.sol";
import {IModelSharesFactory} from "../interfaces/IModelSharesFactory.sol";
import {IRevenueRouter} from "../interfaces/IRevenueRouter.sol";
import {IFractionalizer} from "../interfaces/IFractionalizer.sol";

/// @notice The inherited initializer of OpenZeppelin's TimelockControllerUpgradeable.
interface ITimelockInit {
    function initialize(
        uint256 minDelay,
        address[] memory proposers,
        address[] memory executors,
        address admin
    ) external;
}

/// @title Fractionalizer
/// @notice One-transaction fractionalization of a model: shares (factory clone) + governor +
/// timelock (clones), revenue split to the shares, model NFT to the timelock with the gateways
/// the owner keeps.
/// @dev Holds no funds and no roles: it owns a model NFT only inside `fractionalize` (it must: the
/// shares factory and `router.setRecipients` accept only the model owner), and has no admin
/// function. Registry, router, factory and implementations are fixed at construction.
contract Fractionalizer is IFractionalizer {
    /// @notice The model registry (ERC-721, one token per model).
    IModelRegistry public immutable REGISTRY;
    /// @notice The revenue router whose split is set for the shares.
    IRevenueRouter public immutable ROUTER;
    /// @notice Creates the ModelShares clones.
    IModelSharesFactory public immutable SHARES_FACTORY;
    /// @notice ModelGovernor implementation cloned per model.
    address public immutable GOVERNOR_IMPLEMENTATION;
    /// @notice ModelTimelock implementation cloned per model.
    address public immutable TIMELOCK_IMPLEMENTATION;

    mapping(uint256 modelId => uint256) private _rounds;

    /// @param sharesFactory The ModelSharesFactory; its router and the router's registry are used.
    constructor(IModelSharesFactory sharesFactory, address governorImplementation, address timelockImplementation) {
        if (
            address(sharesFactory) == address(0) ||
            governorImplementation == address(0) ||
            timelockImplementation == address(0)
        ) revert FractionalizerZeroAddress();
        SHARES_FACTORY = sharesFactory;
        ROUTER = sharesFactory.ROUTER();
        REGISTRY = ROUTER.registry();
        GOVERNOR_IMPLEMENTATION = governorImplementation;
        TIMELOCK_IMPLEMENTATION = timelockImplementation;
    }

    /// @inheritdoc IFractionalizer
    function fractionalize(
        uint256 modelId,
        ShareParams calldata shareParams,
        GovernanceParams calldata governanceParams,
        SplitParams calldata splitParams,
        address[] calldata gateways
    ) external returns (address shares, address governor, address timelock) {
        // ---- checks
        if (REGISTRY.ownerOf(modelId) != msg.sender) revert FractionalizerNotModelOwner(modelId, msg.sender);
        _checkParams(shareParams, governanceParams, splitParams);
        _checkGateways(modelId, gateways);

        // ---- effects
        uint256 round = ++_rounds[modelId];

        // ---- interactions (trusted registry, router, factory and implementations only)
        REGISTRY.transferFrom(msg.sender, address(this), modelId);

        shares = _createShares(modelId, shareParams);
        bytes32 salt = _salt(modelId, round);
        governor = Clones.cloneDeterministic(GOVERNOR_IMPLEMENTATION, salt);
        timelock = Clones.cloneDeterministic(TIMELOCK_IMPLEMENTATION, salt);
        _initGovernance(shares, governor, timelock, governanceParams);
        _setSplit(modelId, shares, splitParams);

        REGISTRY.transferWithGateways(timelock, modelId, gateways);
        emit ModelFractionalized(modelId, msg.sender, shares, governor, timelock, round);
    }

    /// @inheritdoc IFractionalizer
    function rounds(uint256 modelId) external view returns (uint256) {
        return _rounds[modelId];
    }

    /// @inheritdoc IFractionalizer
    function predictAddresses(
        uint256 modelId,
        uint256 round
    ) external view returns (address governor, address timelock) {
        bytes32 salt = _salt(modelId, round);
        governor = Clones.predictDeterministicAddress(GOVERNOR_IMPLEMENTATION, salt);
        timelock = Clones.predictDeterministicAddress(TIMELOCK_IMPLEMENTATION, salt);
    }

    function _checkParams(ShareParams calldata s, GovernanceParams calldata g, SplitParams calldata p) private pure {
        if (s.holder == address(0)) revert FractionalizerZeroHolder();
        if (s.supply == 0) revert FractionalizerZeroSupply();
        if (p.sharesWeight == 0) revert FractionalizerZeroSharesWeight();
        if (p.recipients.length != p.weights.length) {
            revert FractionalizerSplitLengthMismatch(p.recipients.length, p.weights.length);
        }
        if (g.quorumNumerator == 0 || g.quorumNumerator > 100) revert FractionalizerInvalidQuorum(g.quorumNumerator);
        if (g.votingPeriod == 0) revert FractionalizerZeroVotingPeriod();
        if (g.votingDelay == 0) revert FractionalizerZeroVotingDelay();
        if (g.proposalThreshold > s.supply) revert FractionalizerThresholdAboveSupply(g.proposalThreshold, s.supply);
    }

    /// @dev Every gateway to keep must be allowed by the caller (the owner) now.
    function _checkGateways(uint256 modelId, address[] calldata gateways) private view {
        for (uint256 i; i < gateways.length; ++i) {
            if (!REGISTRY.isGateway(modelId, gateways[i])) revert FractionalizerNotGateway(modelId, gateways[i]);
        }
    }

    function _createShares(uint256 modelId, ShareParams calldata p) private returns (address) {
        return SHARES_FACTORY.createShares(modelId, p.name, p.symbol, p.supply, p.holder);
    }

    /// @dev Timelock: proposer + canceller = governor, executor = anyone, no admin.
    function _initGovernance(address shares, address governor, address timelock, GovernanceParams calldata p) private {
        address[] memory proposers = new address[](1);
        proposers[0] = governor;
        address[] memory executors = new address[](1); // executors[0] = address(0): anyone executes
        ITimelockInit(timelock).initialize(p.timelockDelay, proposers, executors, address(0));
        IModelGovernor(governor).initialize(
            IVotes(shares),
            payable(timelock),
            p.votingDelay,
            p.votingPeriod,
            p.proposalThreshold,
            p.quorumNumerator
        );
    }

    /// @dev The caller's recipients and weights, then the shares with `sharesWeight`.
    function _setSplit(uint256 modelId, address shares, SplitParams calldata p) private {
        uint256 n = p.recipients.length;
        address[] memory recipients = new address[](n + 1);
        uint32[] memory weights = new uint32[](n + 1);
        for (uint256 i; i < n; ++i) {
            recipients[i] = p.recipients[i];
            weights[i] = p.weights[i];
        }
        recipients[n] = shares;
        weights[n] = p.sharesWeight;
        ROUTER.setRecipients(modelId, recipients, weights);
    }

    function _salt(uint256 modelId, uint256 round) private pure returns (bytes32) {
        return keccak256(abi.encode(modelId, round));
    }
}
