namespace Sluice.Postgres;

/// <summary>A PostgreSQL sink could not write a batch; the message names the sink, the table, the batch and the server's error.</summary>
public sealed class PostgresSinkException(string message, Exception? inner = null) : IOException(message, inner);
