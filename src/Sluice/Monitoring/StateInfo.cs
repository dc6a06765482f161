using Sluice.Streaming;

namespace Sluice.Monitoring;

/// <summary>The state every stateful operator holds after a batch, posted once per completed batch.</summary>
public sealed record StateInfo(Time BatchTime, IReadOnlyList<StateOperatorInfo> Operators);
