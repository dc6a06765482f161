using System.Text;

namespace Sluice.Util;

/// <summary>
/// A type's name as C# writes it (<c>(string, long)</c>, <c>List&lt;int&gt;</c>, <c>MyApp.PageView</c>), without
/// assembly versions: stable across builds, so a checkpoint can say which state type it holds and a restart compare it.
/// </summary>
internal static class TypeNames
{
    private static readonly Dictionary<Type, string> Keywords = new()
    {
        [typeof(bool)] = "bool", [typeof(byte)] = "byte", [typeof(sbyte)] = "sbyte", [typeof(char)] = "char",
        [typeof(short)] = "short", [typeof(ushort)] = "ushort", [typeof(int)] = "int", [typeof(uint)] = "uint",
        [typeof(long)] = "long", [typeof(ulong)] = "ulong", [typeof(float)] = "float", [typeof(double)] = "double",
        [typeof(decimal)] = "decimal", [typeof(string)] = "string", [typeof(object)] = "object",
    };

    /// <summary>The name of <paramref name="type"/>.</summary>
    public static string Of(Type type)
    {
        var text = new StringBuilder();
        Append(text, type);
        return text.ToString();
    }

    private static void Append(StringBuilder text, Type type)
    {
        if (Keywords.TryGetValue(type, out var keyword))
        {
            text.Append(keyword);
            return;
        }

        if (type.IsArray)
        {
            Append(text, type.GetElementType()!);
            text.Append('[').Append(',', type.GetArrayRank() - 1).Append(']');
            return;
        }

        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            Append(text, underlying);
            text.Append('?');
            return;
        }

        var arguments = type.IsGenericType ? type.GetGenericArguments() : [];
        if (type.IsGenericType && type.FullName?.StartsWith("System.ValueTuple`", StringComparison.Ordinal) == true)
        {
            text.Append('(');
            for (int i = 0; i < arguments.Length; i++)
            {
                if (i > 0)
                {
                    text.Append(", ");
                }

                Append(text, arguments[i]);
            }

            text.Append(')');
            return;
        }

        // The framework's types by their short name; the program's own with their namespace, where two could share a name.
        string name = type.Name.Split('`')[0];
        if (type.Namespace is { } ns && ns != "System" && !ns.StartsWith("System.", StringComparison.Ordinal))
        {
            text.Append(ns).Append('.');
        }

        if (type.IsNested)
        {
            var outers = new List<string>();
            for (var outer = type.DeclaringType; outer is not null; outer = outer.DeclaringType)
            {
                outers.Add(outer.Name.Split('`')[0]);
            }

            outers.Reverse();
            foreach (var outer in outers)
            {
                text.Append(outer).Append('.');
            }
        }

        text.Append(name);
        if (arguments.Length > 0)
        {
            text.Append('<');
            for (int i = 0; i < arguments.Length; i++)
            {
                if (i > 0)
                {
                    text.Append(", ");
                }

                Append(text, arguments[i]);
            }

            text.Append('>');
        }
    }
}
