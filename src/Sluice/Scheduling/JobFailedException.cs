namespace Sluice.Scheduling;

/// <summary>A job failed because one of its tasks failed on every attempt; the inner exception is the task's last failure.</summary>
public sealed class JobFailedException(string message, Exception? inner) : Exception(message, inner);
