namespace Sluice.Streaming;

/// <summary>A record an operator's function threw on, kept aside by <see cref="ErrorPolicy.DeadLetter"/>: the record as text, what was thrown, and by which operator.</summary>
/// <param name="Record">The record, formatted as Print shows it.</param>
/// <param name="Error">The exception's type and message.</param>
/// <param name="Operator">The stream whose function threw, such as <c>MappedDStream[3]</c>.</param>
/// <param name="BatchTimeMs">The batch the record belongs to.</param>
public sealed record DeadLetter(string Record, string Error, string Operator, long BatchTimeMs);
