using System.IO.Hashing;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Sluice.Datasets;

/// <summary>
/// Process-independent hash codes for partitioning: every process (driver and executors) must place a key in the same
/// partition, and <see cref="string.GetHashCode()"/> is randomized per process. Strings hash with XxHash3 over their
/// UTF-16 code units; primitives, enums, <see cref="Guid"/>, <see cref="DateTime"/>, <see cref="DateTimeOffset"/>,
/// <see cref="TimeSpan"/> and <see cref="decimal"/> keep their own hash code, which depends only on the value;
/// value tuples (up to seven members), <see cref="KeyValuePair{TKey,TValue}"/> and <see cref="Nullable{T}"/> of such types combine their
/// members' stable hashes; types implementing <see cref="IStableHash"/> give their own. Any other type falls back to
/// its GetHashCode, which is right in one process but may differ between processes (<see cref="IsStable{T}"/> is
/// false for it, and cluster mode refuses to shuffle it).
/// </summary>
public static class KeyHash
{
    /// <summary>The stable hash of <paramref name="value"/> (0 for null).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Of<T>(T value)
    {
        if (value is null)
        {
            return 0;
        }

        // Both tests are constants once the method is compiled for T: the common key types take no delegate call.
        if (typeof(T) == typeof(string))
        {
            return OfString(Unsafe.As<T, string>(ref value));
        }

        if (Cache<T>.KeepsOwnHash)
        {
            return EqualityComparer<T>.Default.GetHashCode(value);
        }

        return Cache<T>.Hasher(value);
    }

    /// <summary>True when <typeparamref name="T"/> hashes alike in every process.</summary>
    public static bool IsStable<T>() => Cache<T>.Stable;

    /// <summary>The stable hash of a string: XxHash3 over its UTF-16 code units, folded to 32 bits.</summary>
    public static int OfString(string value)
    {
        ulong h = XxHash3.HashToUInt64(MemoryMarshal.AsBytes(value.AsSpan()));
        return (int)(h ^ (h >> 32));
    }

    /// <summary>Combines two stable hashes in an order-dependent way (<see cref="HashCode.Combine{T1,T2}"/> is seeded per process).</summary>
    public static int Combine(int first, int second)
    {
        uint h = ((uint)first * 0x9E3779B1u) ^ (uint)second;
        h ^= h >> 15;
        h *= 0x85EBCA77u;
        h ^= h >> 13;
        return (int)h;
    }

    internal static bool KeepsOwnHash(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(Guid) || type == typeof(DateTime) || type == typeof(DateTimeOffset) ||
        type == typeof(TimeSpan) || type == typeof(decimal) || type == typeof(DateOnly) || type == typeof(TimeOnly);

    private static bool IsStable(Type type)
    {
        if (type == typeof(string) || KeepsOwnHash(type) || typeof(IStableHash).IsAssignableFrom(type))
        {
            return true;
        }

        return IsComposite(type) && type.GetGenericArguments().All(IsStable);
    }

    private static bool IsComposite(Type type)
    {
        if (!type.IsGenericType)
        {
            return false;
        }

        var definition = type.GetGenericTypeDefinition();
        return definition == typeof(KeyValuePair<,>) || definition == typeof(Nullable<>) ||
               (definition.Namespace == "System" && definition.Name.StartsWith("ValueTuple`", StringComparison.Ordinal) && type.GetGenericArguments().Length <= 7);
    }

    private static class Cache<T>
    {
        public static readonly bool KeepsOwnHash = KeyHash.KeepsOwnHash(typeof(T));

        public static readonly bool Stable = IsStable(typeof(T));

        public static readonly Func<T, int> Hasher = Build();

        private static Func<T, int> Build()
        {
            var type = typeof(T);
            if (typeof(IStableHash).IsAssignableFrom(type))
            {
                return Typed(nameof(OfStableHash), type);
            }

            if (IsComposite(type))
            {
                // Members hash through Of<TMember>, so a tuple of strings hashes its strings stably; typed per arity, no boxing.
                var definition = type.GetGenericTypeDefinition();
                var arguments = type.GetGenericArguments();
                string name = definition == typeof(Nullable<>) ? nameof(OfNullable)
                    : definition == typeof(KeyValuePair<,>) ? nameof(OfPair)
                    : "OfTuple" + arguments.Length;
                return Typed(name, arguments);
            }

            return static value => EqualityComparer<T>.Default.GetHashCode(value!);
        }

        private static Func<T, int> Typed(string name, params Type[] arguments) =>
            typeof(KeyHash).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(arguments).CreateDelegate<Func<T, int>>();
    }

    private static int OfStableHash<T>(T value)
        where T : IStableHash => value.StableHashCode();

    private static int OfNullable<T>(T? value)
        where T : struct => value is { } v ? Of(v) : 0;

    private static int OfPair<T1, T2>(KeyValuePair<T1, T2> value) => Combine(Of(value.Key), Of(value.Value));

    private static int OfTuple1<T1>(ValueTuple<T1> value) => Of(value.Item1);

    private static int OfTuple2<T1, T2>((T1, T2) value) => Combine(Of(value.Item1), Of(value.Item2));

    private static int OfTuple3<T1, T2, T3>((T1, T2, T3) value) => Combine(Combine(Of(value.Item1), Of(value.Item2)), Of(value.Item3));

    private static int OfTuple4<T1, T2, T3, T4>((T1, T2, T3, T4) value) =>
        Combine(Combine(Combine(Of(value.Item1), Of(value.Item2)), Of(value.Item3)), Of(value.Item4));

    private static int OfTuple5<T1, T2, T3, T4, T5>((T1, T2, T3, T4, T5) value) =>
        Combine(OfTuple4((value.Item1, value.Item2, value.Item3, value.Item4)), Of(value.Item5));

    private static int OfTuple6<T1, T2, T3, T4, T5, T6>((T1, T2, T3, T4, T5, T6) value) =>
        Combine(OfTuple5((value.Item1, value.Item2, value.Item3, value.Item4, value.Item5)), Of(value.Item6));

    private static int OfTuple7<T1, T2, T3, T4, T5, T6, T7>((T1, T2, T3, T4, T5, T6, T7) value) =>
        Combine(OfTuple6((value.Item1, value.Item2, value.Item3, value.Item4, value.Item5, value.Item6)), Of(value.Item7));
}
