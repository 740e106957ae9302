using System.Globalization;
using System.Text;
using LibvirtSharp.Native;

namespace LibvirtSharp;

/// <summary>Stats groups for <see cref="Connection.GetAllDomainStats"/> (<c>virDomainStatsTypes</c>).</summary>
[Flags]
public enum DomainStatsGroups : uint
{
    /// <summary>Nothing: with no group libvirt returns every group it supports.</summary>
    None = 0,
    /// <summary>state.state, state.reason.</summary>
    State = 1,
    /// <summary>cpu.time, cpu.user, cpu.system.</summary>
    CpuTotal = 2,
    /// <summary>balloon.current, balloon.maximum, balloon.rss and the guest's memory statistics.</summary>
    Balloon = 4,
    /// <summary>vcpu.current, vcpu.maximum, vcpu.N.*.</summary>
    Vcpu = 8,
    /// <summary>net.count, net.N.rx.bytes ... .</summary>
    Interface = 16,
    /// <summary>block.count, block.N.rd.bytes ... .</summary>
    Block = 32,
    /// <summary>perf.* events.</summary>
    Perf = 64,
    /// <summary>iothread.*.</summary>
    IoThread = 128,
    /// <summary>memory.bandwidth.monitor.*.</summary>
    Memory = 256,
    /// <summary>dirtyrate.*.</summary>
    DirtyRate = 512,
    /// <summary>What a monitoring collector wants: state, cpu-total, balloon, vcpu, interface, block.</summary>
    Monitoring = State | CpuTotal | Balloon | Vcpu | Interface | Block,
}

/// <summary>Which domains and how (<c>virConnectGetAllDomainStatsFlags</c>).</summary>
[Flags]
public enum DomainStatsFlags : uint
{
    /// <summary>Every domain.</summary>
    None = 0,
    /// <summary>Only running or paused domains.</summary>
    Active = 1,
    /// <summary>Only shut-off domains.</summary>
    Inactive = 2,
    /// <summary>Only persistent domains.</summary>
    Persistent = 4,
    /// <summary>Only transient domains.</summary>
    Transient = 8,
    /// <summary>Only running domains.</summary>
    Running = 16,
    /// <summary>Only paused domains.</summary>
    Paused = 32,
    /// <summary>Only shut-off domains.</summary>
    Shutoff = 64,
    /// <summary>Domains in other states.</summary>
    Other = 128,
    /// <summary>Do not wait for a domain's job lock: report what can be had without it (libvirt 4.5+).</summary>
    NoWait = 1u << 29,
    /// <summary>Include backing chain block stats.</summary>
    Backing = 1u << 30,
    /// <summary>Fail instead of silently omitting a requested group the driver lacks.</summary>
    EnforceStats = 1u << 31,
}

/// <summary>Type tag of a typed parameter (<c>virTypedParameterType</c>).</summary>
public enum TypedParameterType
{
    /// <summary>int.</summary>
    Int = 1,
    /// <summary>unsigned int.</summary>
    UInt = 2,
    /// <summary>long long.</summary>
    LLong = 3,
    /// <summary>unsigned long long.</summary>
    ULLong = 4,
    /// <summary>double.</summary>
    Double = 5,
    /// <summary>boolean.</summary>
    Boolean = 6,
    /// <summary>string.</summary>
    String = 7,
}

/// <summary>One decoded typed parameter value: numbers are kept without boxing, strings as text.</summary>
public readonly struct TypedValue
{
    private readonly ulong _bits;

    private TypedValue(TypedParameterType type, ulong bits, string? text)
    {
        Type = type;
        _bits = bits;
        Text = text;
    }

    /// <summary>The libvirt type of the value.</summary>
    public TypedParameterType Type { get; }

    /// <summary>The value of a string parameter, else null.</summary>
    public string? Text { get; }

    /// <summary>An int parameter.</summary>
    public static TypedValue FromInt(int value) => new(TypedParameterType.Int, unchecked((ulong)(long)value), null);
    /// <summary>An unsigned int parameter.</summary>
    public static TypedValue FromUInt(uint value) => new(TypedParameterType.UInt, value, null);
    /// <summary>A long long parameter.</summary>
    public static TypedValue FromLLong(long value) => new(TypedParameterType.LLong, unchecked((ulong)value), null);
    /// <summary>An unsigned long long parameter.</summary>
    public static TypedValue FromULLong(ulong value) => new(TypedParameterType.ULLong, value, null);
    /// <summary>A double parameter.</summary>
    public static TypedValue FromDouble(double value) => new(TypedParameterType.Double, BitConverter.DoubleToUInt64Bits(value), null);
    /// <summary>A boolean parameter.</summary>
    public static TypedValue FromBoolean(bool value) => new(TypedParameterType.Boolean, value ? 1UL : 0UL, null);
    /// <summary>A string parameter.</summary>
    public static TypedValue FromString(string value) => new(TypedParameterType.String, 0, value);

    /// <summary>The value as a signed integer (doubles truncated, booleans 0/1); throws for strings and ullongs above long.MaxValue.</summary>
    public long AsInt64() => Type switch
    {
        TypedParameterType.Int or TypedParameterType.LLong => unchecked((long)_bits),
        TypedParameterType.UInt or TypedParameterType.Boolean => (long)_bits,
        TypedParameterType.ULLong => checked((long)_bits),
        TypedParameterType.Double => (long)AsDouble(),
        _ => throw new InvalidOperationException($"A {Type} parameter is not a number."),
    };

    /// <summary>The value as an unsigned integer; throws for strings and negative numbers.</summary>
    public ulong AsUInt64() => Type switch
    {
        TypedParameterType.UInt or TypedParameterType.ULLong or TypedParameterType.Boolean => _bits,
        TypedParameterType.Int or TypedParameterType.LLong => checked((ulong)unchecked((long)_bits)),
        TypedParameterType.Double => checked((ulong)AsDouble()),
        _ => throw new InvalidOperationException($"A {Type} parameter is not a number."),
    };

    /// <summary>The value as a double; throws for strings.</summary>
    public double AsDouble() => Type switch
    {
        TypedParameterType.Double => BitConverter.UInt64BitsToDouble(_bits),
        TypedParameterType.Int or TypedParameterType.LLong => unchecked((long)_bits),
        TypedParameterType.UInt or TypedParameterType.ULLong or TypedParameterType.Boolean => _bits,
        _ => throw new InvalidOperationException($"A {Type} parameter is not a number."),
    };

    /// <summary>The value of a boolean parameter (any non-zero number is true).</summary>
    public bool AsBoolean() => Type == TypedParameterType.String
        ? throw new InvalidOperationException("A String parameter is not a boolean.")
        : _bits != 0;

    /// <inheritdoc/>
    public override string ToString() => Type switch
    {
        TypedParameterType.String => Text!,
        TypedParameterType.Double => AsDouble().ToString(CultureInfo.InvariantCulture),
        TypedParameterType.Boolean => AsBoolean() ? "true" : "false",
        TypedParameterType.Int or TypedParameterType.LLong => AsInt64().ToString(CultureInfo.InvariantCulture),
        _ => _bits.ToString(CultureInfo.InvariantCulture),
    };
}

/// <summary>One domain's answer to <see cref="Connection.GetAllDomainStats"/>: its identity and its decoded parameters.</summary>
public sealed class DomainStatsRecord(Guid uuid, string name, IReadOnlyDictionary<string, TypedValue> values)
{
    /// <summary>The domain UUID.</summary>
    public Guid Uuid { get; } = uuid;

    /// <summary>The domain name.</summary>
    public string Name { get; } = name;

    /// <summary>Every parameter by its field name ("cpu.time", "block.0.rd.bytes" ...).</summary>
    public IReadOnlyDictionary<string, TypedValue> Values { get; } = values;

    /// <summary>The named numeric parameter, or null when the answer has none.</summary>
    public ulong? GetUInt64(string field) => Values.TryGetValue(field, out var v) && v.Type != TypedParameterType.String ? v.AsUInt64() : null;

    /// <summary>The named numeric parameter as a double, or null when the answer has none.</summary>
    public double? GetDouble(string field) => Values.TryGetValue(field, out var v) && v.Type != TypedParameterType.String ? v.AsDouble() : null;

    /// <summary>The named string parameter, or null.</summary>
    public string? GetString(string field) => Values.TryGetValue(field, out var v) ? v.Text : null;

    /// <summary>The domain state (the <c>state.state</c> parameter), when the state group was asked for.</summary>
    public DomainState? State => Values.TryGetValue("state.state", out var v) ? (DomainState)v.AsInt64() : null;
}

/// <summary>
/// The field names of one record, in order, with an index by name. Domains of one host answer with the same names in
/// the same order (same devices), so consecutive records share one layout and carry only a value array.
/// </summary>
internal sealed class FieldLayout
{
    public FieldLayout(string[] names)
    {
        Names = names;
        Utf8 = names.Select(Encoding.UTF8.GetBytes).ToArray();
        Index = new Dictionary<string, int>(names.Length, StringComparer.Ordinal);
        for (int i = 0; i < names.Length; i++)
            Index[names[i]] = i; // a repeated name keeps its last value, as a dictionary insert would
    }

    public string[] Names { get; }
    public byte[][] Utf8 { get; }
    public Dictionary<string, int> Index { get; }
}

/// <summary>A record's values over a shared <see cref="FieldLayout"/>, read as a dictionary.</summary>
internal sealed class LayoutValues(FieldLayout layout, TypedValue[] values) : IReadOnlyDictionary<string, TypedValue>
{
    public TypedValue this[string key] => TryGetValue(key, out var v) ? v : throw new KeyNotFoundException($"No parameter '{key}'.");

    public IEnumerable<string> Keys => this.Select(p => p.Key);
    public IEnumerable<TypedValue> Values => this.Select(p => p.Value);
    public int Count => layout.Index.Count(p => values[p.Value].Type != 0);

    public bool ContainsKey(string key) => TryGetValue(key, out _);

    public bool TryGetValue(string key, out TypedValue value)
    {
        if (layout.Index.TryGetValue(key, out int i) && values[i].Type != 0)
        {
            value = values[i];
            return true;
        }
        value = default;
        return false;
    }

    public IEnumerator<KeyValuePair<string, TypedValue>> GetEnumerator()
    {
        foreach (var (name, i) in layout.Index)
            if (values[i].Type != 0)
                yield return new(name, values[i]);
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>Turns libvirt's typed-parameter arrays into managed records; the copying half of the stats calls.</summary>
internal static unsafe class TypedParameterDecoder
{
    // Field names repeat across every domain of every sample ("cpu.time", "block.0.rd.bytes"); turning the same
    // bytes into a new string each time is most of the decode's garbage, so known names are shared.
    [ThreadStatic] private static Dictionary<ulong, string[]>? t_names;
    [ThreadStatic] private static FieldLayout? t_layout;

    /// <summary>Decodes one <c>virDomainStatsRecord</c>; its domain pointer is only borrowed.</summary>
    internal static DomainStatsRecord DecodeRecord(VirDomainStatsRecord* record)
    {
        Guid uuid = Guid.Empty;
        string name = "";
        if (record->Dom != 0)
        {
            byte* raw = stackalloc byte[16];
            if (Interop.virDomainGetUUIDRaw(record->Dom, raw) < 0)
                throw LibvirtException.FromLastError("virDomainGetUUID");
            uuid = new Guid(new ReadOnlySpan<byte>(raw, 16), bigEndian: true);
            byte* n = Interop.virDomainGetNameRaw(record->Dom);
            if (n == null)
                throw LibvirtException.FromLastError("virDomainGetName");
            name = Utf8(n, int.MaxValue);
        }
        return new DomainStatsRecord(uuid, name, DecodeParameters(record->Params, record->NParams));
    }

    internal static IReadOnlyDictionary<string, TypedValue> DecodeParameters(VirTypedParameter* parameters, int count)
    {
        var layout = t_layout;
        if (layout is null || !Matches(layout, parameters, count))
        {
            var names = new string[count];
            for (int i = 0; i < count; i++)
                names[i] = FieldName(parameters[i].Field, VirTypedParameter.FieldLength);
            t_layout = layout = new FieldLayout(names);
        }
        var values = new TypedValue[count];
        for (int i = 0; i < count; i++)
        {
            VirTypedParameter* p = parameters + i;
            values[i] = (TypedParameterType)p->Type switch
            {
                TypedParameterType.Int => TypedValue.FromInt(p->I),
                TypedParameterType.UInt => TypedValue.FromUInt(p->UI),
                TypedParameterType.LLong => TypedValue.FromLLong(p->L),
                TypedParameterType.ULLong => TypedValue.FromULLong(p->UL),
                TypedParameterType.Double => TypedValue.FromDouble(p->D),
                TypedParameterType.Boolean => TypedValue.FromBoolean(p->B != 0),
                TypedParameterType.String => TypedValue.FromString(p->S == null ? "" : Utf8(p->S, int.MaxValue)),
                // A type newer than this binding (Type 0 here): left out, which keeps the rest of the answer usable.
                _ => default,
            };
        }
        return new LayoutValues(layout, values);
    }

    private static bool Matches(FieldLayout layout, VirTypedParameter* parameters, int count)
    {
        if (layout.Utf8.Length != count)
            return false;
        for (int i = 0; i < count; i++)
        {
            var expected = layout.Utf8[i];
            var field = new ReadOnlySpan<byte>(parameters[i].Field, VirTypedParameter.FieldLength);
            // Equal names: same bytes, then the terminator (or the buffer's end for an 80-byte name).
            if (!field.StartsWith(expected) || (expected.Length < field.Length && field[expected.Length] != 0))
                return false;
        }
        return true;
    }
    /// <summary>The NUL-terminated name in a fixed buffer, shared with earlier decodes of the same bytes on this thread.</summary>
    internal static string FieldName(byte* field, int capacity)
    {
        var bytes = new ReadOnlySpan<byte>(field, capacity);
        int length = bytes.IndexOf((byte)0);
        if (length >= 0)
            bytes = bytes[..length];
        ulong hash = Fnv1a(bytes);
        var names = t_names ??= new Dictionary<ulong, string[]>();
        if (names.TryGetValue(hash, out var candidates))
        {
            foreach (var candidate in candidates)
                if (Matches(candidate, bytes))
                    return candidate;
        }
        string name = Encoding.UTF8.GetString(bytes);
        // Only ASCII names can be matched byte for char; the cap bounds a thread that sees endless device indexes.
        if (name.Length == bytes.Length && names.Count < 65_536)
            names[hash] = candidates is null ? [name] : [.. candidates, name];
        return name;
    }

    private static bool Matches(string candidate, ReadOnlySpan<byte> bytes)
    {
        if (candidate.Length != bytes.Length)
            return false;
        for (int i = 0; i < bytes.Length; i++)
            if (candidate[i] != bytes[i])
                return false;
        return true;
    }

    private static ulong Fnv1a(ReadOnlySpan<byte> bytes)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in bytes)
            hash = (hash ^ b) * 1099511628211UL;
        return hash;
    }

    private static string Utf8(byte* text, int max)
    {
        var span = System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpanFromNullTerminated(text);
        return Encoding.UTF8.GetString(span.Length > max ? span[..max] : span);
    }
}
