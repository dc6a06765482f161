using System.Collections;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Sluice.Sinks;

/// <summary>Formats records the way Spark prints them: tuples as <c>(hello,1)</c>, invariant culture numbers, lowercase booleans.</summary>
public static class RecordFormatter
{
    /// <summary>The text of one record.</summary>
    public static string Format<T>(T value)
    {
        switch (value)
        {
            case null:
                return "null";
            case string s:
                return s;
            case bool b:
                return b ? "true" : "false";
            case double d:
                return Decimal(d.ToString("R", CultureInfo.InvariantCulture));
            case float f:
                return Decimal(f.ToString("R", CultureInfo.InvariantCulture));
            case IFormattable formattable when value is not ITuple:
                return formattable.ToString(null, CultureInfo.InvariantCulture);
        }

        var sb = new StringBuilder();
        Append(sb, value);
        return sb.ToString();
    }

    /// <summary>Whole floating-point numbers keep a decimal point, as Scala prints them: <c>1.0</c>, not <c>1</c>.</summary>
    private static string Decimal(string text)
    {
        foreach (char c in text)
        {
            if (c is '.' or 'E' or 'e' or 'N' or 'I' or '∞')
            {
                return text;
            }
        }

        return text + ".0";
    }

    private static void Append(StringBuilder sb, object? value)
    {
        switch (value)
        {
            case null:
                sb.Append("null");
                break;
            case string s:
                sb.Append(s);
                break;
            case bool b:
                sb.Append(b ? "true" : "false");
                break;
            case ITuple tuple:
                sb.Append('(');
                for (int i = 0; i < tuple.Length; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',');
                    }

                    Append(sb, tuple[i]);
                }

                sb.Append(')');
                break;
            case IEnumerable items:
                sb.Append('[');
                bool first = true;
                foreach (var item in items)
                {
                    if (!first)
                    {
                        sb.Append(", ");
                    }

                    Append(sb, item);
                    first = false;
                }

                sb.Append(']');
                break;
            case double d:
                sb.Append(Decimal(d.ToString("R", CultureInfo.InvariantCulture)));
                break;
            case float f:
                sb.Append(Decimal(f.ToString("R", CultureInfo.InvariantCulture)));
                break;
            case IFormattable formattable:
                sb.Append(formattable.ToString(null, CultureInfo.InvariantCulture));
                break;
            default:
                sb.Append(value);
                break;
        }
    }
}
