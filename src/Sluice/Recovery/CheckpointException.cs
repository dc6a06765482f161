namespace Sluice.Recovery;

/// <summary>
/// A checkpoint directory that cannot be used: it cannot be written, or no checkpoint in it is intact. The message
/// names the directory or files and what is wrong with each.
/// </summary>
public sealed class CheckpointException(string message, Exception? inner = null) : IOException(message, inner);
