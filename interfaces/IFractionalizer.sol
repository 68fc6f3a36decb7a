// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IFractionalizer
/// @notice Turns a model into a community-governed asset in one transaction: creates the model's
/// ModelShares through the ModelSharesFactory (ERC-20 votes + permit, receives revenue pro-rata),
/// a ModelGovernor and a ModelTimelock (EIP-1167 clones of implementations deployed once), routes
/// `sharesWeight` of the model's revenue split to the shares (RevenueRouter.setRecipients), and
/// hands the model NFT to the timelock, keeping the gateways the owner lists. From then on the
/// model's prices, offers, gateways, versions, status and split change only through proposals
/// that the share holders pass.
/// @dev The model owner approves this contract for the model NFT first
/// (`registry.approve(fractionalizer, modelId)` or `setApprovalForAll`).
/// The governor and timelock clones are created with CREATE2, salt =
/// keccak256(abi.encode(modelId, round)); `round` counts the model's fractionalizations (a model
/// whose timelock later hands the NFT to someone else can be fractionalized again), so their
/// addresses are predictable with `predictAddresses`. The shares token is a factory clone.
/// Governance durations are in the shares' clock units: ModelShares uses block numbers, so
/// `votingDelay` and `votingPeriod` are blocks, while `timelockDelay` is always seconds.
interface IFractionalizer {
    /// @notice The model's shares token parameters.
    /// @param name ERC-20 name (also its EIP-712 domain name).
    /// @param symbol ERC-20 symbol.
    /// @param holder Receives the whole initial supply.
    /// @param supply Initial (and total) supply of shares.
    struct ShareParams {
        string name;
        string symbol;
        address holder;
        uint256 supply;
    }

    /// @notice The per-model governance parameters. Voting durations are in the shares' clock
    /// units (blocks for ModelShares); the timelock delay is in seconds.
    struct GovernanceParams {
        uint48 votingDelay;
        uint32 votingPeriod;
        uint256 proposalThreshold;
        uint256 quorumNumerator; // percent of the snapshot share supply, 1..100
        uint256 timelockDelay; // seconds between queue and execution
    }

    /// @notice The revenue split set on the router: `recipients` with `weights` plus the shares
    /// token with `sharesWeight` (appended last).
    struct SplitParams {
        address[] recipients;
        uint32[] weights;
        uint32 sharesWeight;
    }

    /// @notice The caller does not own the model NFT.
    error FractionalizerNotModelOwner(uint256 modelId, address caller);
    /// @notice The shares holder was the zero address.
    error FractionalizerZeroHolder();
    /// @notice The shares supply was zero.
    error FractionalizerZeroSupply();
    /// @notice The shares weight was zero (the shares would receive nothing).
    error FractionalizerZeroSharesWeight();
    /// @notice The quorum numerator is outside 1..100.
    error FractionalizerInvalidQuorum(uint256 quorumNumerator);
    /// @notice The proposal threshold exceeds the share supply: nobody could ever propose and the
    /// model NFT would be locked in its timelock.
    error FractionalizerThresholdAboveSupply(uint256 proposalThreshold, uint256 supply);
    /// @notice The voting period was zero.
    error FractionalizerZeroVotingPeriod();
    /// @notice A zero voting delay (the snapshot would be the proposal's own block).
    error FractionalizerZeroVotingDelay();
    /// @notice recipients and weights have different lengths.
    error FractionalizerSplitLengthMismatch(uint256 recipients, uint256 weights);
    /// @notice A constructor argument was the zero address.
    error FractionalizerZeroAddress();
    /// @notice A gateway to keep is not allowed for the model by the caller now.
    error FractionalizerNotGateway(uint256 modelId, address gateway);

    /// @notice A model was fractionalized; the timelock now owns the model NFT.
    event ModelFractionalized(
        uint256 indexed modelId,
        address indexed previousOwner,
        address shares,
        address governor,
        address timelock,
        uint256 round
    );

    /// @notice Fractionalizes `modelId` (see the contract notice). Only the model owner.
    /// @param gateways The model's gateways that keep metering it under the timelock (each must
    /// be allowed by the caller now, else FractionalizerNotGateway): the NFT moves to the
    /// timelock with `registry.transferWithGateways`, so a running gateway keeps selling and
    /// the shares' governance can revoke it later by proposal (`setGateway`). Every gateway
    /// not listed lapses; an empty list lets them all lapse.
    /// @return shares The new ModelShares clone.
    /// @return governor The new ModelGovernor clone.
    /// @return timelock The new ModelTimelock clone, now owner of the model NFT.
    function fractionalize(
        uint256 modelId,
        ShareParams calldata shareParams,
        GovernanceParams calldata governanceParams,
        SplitParams calldata splitParams,
        address[] calldata gateways
    ) external returns (address shares, address governor, address timelock);

    /// @notice How many times `modelId` has been fractionalized.
    function rounds(uint256 modelId) external view returns (uint256);

    /// @notice The addresses the governor and timelock clones of `modelId`'s fractionalization
    /// number `round` (1-based) have (or will have).
    function predictAddresses(
        uint256 modelId,
        uint256 round
    ) external view returns (address governor, address timelock);
}
