using System.Reflection;
using Sluice.Datasets;

namespace Sluice.Scheduling;

/// <summary>
/// How a task's result of type <typeparamref name="R"/> travels from an executor to the driver: a collected partition as its records,
/// anything else as a one-element array through the record serializer. Chosen once per type.
/// </summary>
internal static class TaskResults<R>
{
    public static readonly Func<R, byte[]> Encode;

    public static readonly Func<byte[], R> Decode;

    static TaskResults()
    {
        if (typeof(R).IsGenericType && typeof(R).GetGenericTypeDefinition() == typeof(CollectingSink<>))
        {
            Encode = (Func<R, byte[]>)Delegate.CreateDelegate(typeof(Func<R, byte[]>), typeof(R).GetMethod(nameof(CollectingSink<int>.ToBytes), BindingFlags.Public | BindingFlags.Instance)!);
            Decode = (Func<byte[], R>)Delegate.CreateDelegate(typeof(Func<byte[], R>), typeof(R).GetMethod(nameof(CollectingSink<int>.FromBytes), BindingFlags.Public | BindingFlags.Static)!);
        }
        else
        {
            Encode = static r => Storage.RecordSerializer.Instance.Serialize(new[] { r });
            Decode = static b => Storage.RecordSerializer.Instance.Deserialize<R>(b)[0];
        }
    }
}
