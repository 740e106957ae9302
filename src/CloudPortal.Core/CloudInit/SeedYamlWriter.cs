using System.Globalization;
using System.Text;

namespace CloudPortal.Core.CloudInit;

/// <summary>
/// Writes the few YAML shapes a seed needs (top-level scalars and lists of scalars). Every value is a
/// double-quoted YAML string with escapes, so no input can close a quote, start a new key or nest a structure.
/// </summary>
public sealed class SeedYamlWriter
{
    private readonly StringBuilder _text = new();

    public SeedYamlWriter Comment(string line)
    {
        if (line.Any(c => c is '\n' or '\r'))
            throw new ArgumentException("A comment is one line.", nameof(line));
        _text.Append(line.StartsWith('#') ? line : "# " + line).Append('\n');
        return this;
    }

    public SeedYamlWriter Scalar(string key, string value)
    {
        _text.Append(Key(key)).Append(": ").Append(Quote(value)).Append('\n');
        return this;
    }

    public SeedYamlWriter List(string key, IEnumerable<string> values)
    {
        var items = values.ToList();
        if (items.Count == 0)
        {
            _text.Append(Key(key)).Append(": []\n");
            return this;
        }
        _text.Append(Key(key)).Append(":\n");
        foreach (var item in items)
            _text.Append("  - ").Append(Quote(item)).Append('\n');
        return this;
    }

    public override string ToString() => _text.ToString();

    // Keys are ours, never user input; still refuse anything that is not a plain key.
    private static string Key(string key)
    {
        if (key.Length == 0 || !key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            throw new ArgumentException($"'{key}' is not a plain YAML key.", nameof(key));
        return key;
    }

    /// <summary>A YAML double-quoted scalar: backslash, quote and every control or non-ASCII character escaped.</summary>
    public static string Quote(string value)
    {
        var quoted = new StringBuilder(value.Length + 2).Append('"');
        foreach (var rune in value.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '"': quoted.Append("\\\""); break;
                case '\\': quoted.Append("\\\\"); break;
                case '\n': quoted.Append("\\n"); break;
                case '\r': quoted.Append("\\r"); break;
                case '\t': quoted.Append("\\t"); break;
                case < 0x20 or 0x7f:
                    quoted.Append("\\x").Append(rune.Value.ToString("x2", CultureInfo.InvariantCulture));
                    break;
                case < 0x7f:
                    quoted.Append((char)rune.Value);
                    break;
                case <= 0xffff:
                    quoted.Append("\\u").Append(rune.Value.ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    quoted.Append("\\U").Append(rune.Value.ToString("x8", CultureInfo.InvariantCulture));
                    break;
            }
        }
        return quoted.Append('"').ToString();
    }
}
