using System.Runtime.InteropServices;
using System.Text;
using LibvirtSharp.Native;

namespace LibvirtSharp.Tests;

/// <summary>Bulk domain stats and node stats on the in-memory test driver, and the decoder on every parameter type.</summary>
public sealed class StatsTests : IDisposable
{
    private readonly Connection _conn = Connection.Open("test:///default");

    public void Dispose() => _conn.Dispose();

    [Fact]
    public void GetAllDomainStats_TestDriver_ReturnsStateOfTestDomain()
    {
        var records = _conn.GetAllDomainStats(DomainStatsGroups.State);
        var test = Assert.Single(records, r => r.Name == "test");
        using var dom = _conn.LookupDomainByName("test")!;
        Assert.Equal(dom.Uuid, test.Uuid);
        Assert.Equal(DomainState.Running, test.State);
        Assert.Equal(TypedParameterType.Int, test.Values["state.state"].Type);
    }

    [Fact]
    public void GetAllDomainStats_ActiveFilter_LeavesOutShutOffDomains()
    {
        string name = "unit-" + Guid.NewGuid().ToString("N")[..8];
        using var dom = _conn.DefineDomainXml($"""
            <domain type='test'><name>{name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
            <os><type arch='x86_64'>hvm</type></os></domain>
            """);
        try
        {
            Assert.Contains(_conn.GetAllDomainStats(DomainStatsGroups.State), r => r.Name == name);
            Assert.DoesNotContain(_conn.GetAllDomainStats(DomainStatsGroups.State, DomainStatsFlags.Active), r => r.Name == name);
        }
        finally
        {
            dom.Undefine(DomainUndefineFlags.None);
        }
    }

    [Fact]
    public void GetNodeCpuStats_TestDriver_ReportsUserSystemIdle()
    {
        var cpu = _conn.GetNodeCpuStats();
        Assert.True(cpu.Values.Count >= 3);
        Assert.NotNull(cpu.Get("user"));
        Assert.NotNull(cpu.Get("idle"));
    }

    [Fact]
    public void GetNodeMemoryStats_TestDriver_ThrowsNoSupport()
    {
        // The test driver has no memory stats; the wrapper must surface libvirt's error, not an empty answer.
        var ex = Assert.Throws<LibvirtException>(() => _conn.GetNodeMemoryStats());
        Assert.Equal(3, ex.Code); // VIR_ERR_NO_SUPPORT
    }

    [Fact]
    public unsafe void DecodeParameters_EveryType_DecodesValues()
    {
        var text = Marshal.StringToCoTaskMemUTF8("vda");
        var parameters = (VirTypedParameter*)NativeMemory.AllocZeroed(7, (nuint)sizeof(VirTypedParameter));
        try
        {
            Set(parameters, 0, "a.int", TypedParameterType.Int).I = -5;
            Set(parameters, 1, "a.uint", TypedParameterType.UInt).UI = 4_000_000_000;
            Set(parameters, 2, "a.llong", TypedParameterType.LLong).L = -9_000_000_000;
            Set(parameters, 3, "a.ullong", TypedParameterType.ULLong).UL = ulong.MaxValue;
            Set(parameters, 4, "a.double", TypedParameterType.Double).D = 2.5;
            Set(parameters, 5, "a.boolean", TypedParameterType.Boolean).B = 1;
            Set(parameters, 6, "block.0.name", TypedParameterType.String).S = (byte*)text;

            var values = TypedParameterDecoder.DecodeParameters(parameters, 7);

            Assert.Equal(-5, values["a.int"].AsInt64());
            Assert.Equal(4_000_000_000UL, values["a.uint"].AsUInt64());
            Assert.Equal(-9_000_000_000, values["a.llong"].AsInt64());
            Assert.Equal(ulong.MaxValue, values["a.ullong"].AsUInt64());
            Assert.Equal(2.5, values["a.double"].AsDouble());
            Assert.True(values["a.boolean"].AsBoolean());
            Assert.Equal("vda", values["block.0.name"].Text);
            Assert.Equal(TypedParameterType.String, values["block.0.name"].Type);
            Assert.Throws<InvalidOperationException>(() => values["block.0.name"].AsDouble());
            Assert.Throws<OverflowException>(() => values["a.llong"].AsUInt64());
        }
        finally
        {
            NativeMemory.Free(parameters);
            Marshal.FreeCoTaskMem(text);
        }
    }

    [Fact]
    public unsafe void DecodeParameters_RecordsOfDifferentShapes_EachKeepsItsOwnNames()
    {
        // Consecutive records share a layout while their names match; a record with other devices must not reuse it.
        var a = (VirTypedParameter*)NativeMemory.AllocZeroed(2, (nuint)sizeof(VirTypedParameter));
        var b = (VirTypedParameter*)NativeMemory.AllocZeroed(2, (nuint)sizeof(VirTypedParameter));
        var prefix = (VirTypedParameter*)NativeMemory.AllocZeroed(2, (nuint)sizeof(VirTypedParameter));
        try
        {
            Set(a, 0, "cpu.time", TypedParameterType.ULLong).UL = 1;
            Set(a, 1, "net.count", TypedParameterType.UInt).UI = 2;
            Set(b, 0, "cpu.time", TypedParameterType.ULLong).UL = 3;
            Set(b, 1, "block.count", TypedParameterType.UInt).UI = 4;
            // A name that is a prefix of the cached one ("cpu.tim") must not match "cpu.time".
            Set(prefix, 0, "cpu.tim", TypedParameterType.ULLong).UL = 5;
            Set(prefix, 1, "block.count", TypedParameterType.UInt).UI = 6;

            var first = TypedParameterDecoder.DecodeParameters(a, 2);
            var second = TypedParameterDecoder.DecodeParameters(b, 2);
            var again = TypedParameterDecoder.DecodeParameters(a, 2);
            var third = TypedParameterDecoder.DecodeParameters(prefix, 2);

            Assert.Equal(2UL, first["net.count"].AsUInt64());
            Assert.False(second.ContainsKey("net.count"));
            Assert.Equal(4UL, second["block.count"].AsUInt64());
            Assert.Equal(1UL, again["cpu.time"].AsUInt64());
            Assert.Equal(2UL, again["net.count"].AsUInt64());
            Assert.False(third.ContainsKey("cpu.time"));
            Assert.Equal(5UL, third["cpu.tim"].AsUInt64());
            Assert.Equal(["cpu.tim", "block.count"], third.Keys.Order().Reverse());
        }
        finally
        {
            NativeMemory.Free(a);
            NativeMemory.Free(b);
            NativeMemory.Free(prefix);
        }
    }

    [Fact]
    public unsafe void DecodeParameters_UnknownType_IsSkipped()
    {
        var parameters = (VirTypedParameter*)NativeMemory.AllocZeroed(2, (nuint)sizeof(VirTypedParameter));
        try
        {
            Set(parameters, 0, "future.kind", (TypedParameterType)99).UL = 1;
            Set(parameters, 1, "cpu.time", TypedParameterType.ULLong).UL = 42;
            var values = TypedParameterDecoder.DecodeParameters(parameters, 2);
            Assert.Equal(42UL, Assert.Single(values).Value.AsUInt64());
        }
        finally
        {
            NativeMemory.Free(parameters);
        }
    }

    [Fact]
    public unsafe void FieldName_Full80Bytes_WithoutTerminator_IsReadWhole()
    {
        var p = (VirTypedParameter*)NativeMemory.AllocZeroed(1, (nuint)sizeof(VirTypedParameter));
        try
        {
            string longName = new('x', 80);
            Encoding.ASCII.GetBytes(longName).CopyTo(new Span<byte>(p->Field, 80));
            Assert.Equal(longName, TypedParameterDecoder.FieldName(p->Field, 80));
        }
        finally
        {
            NativeMemory.Free(p);
        }
    }

    private static unsafe ref VirTypedParameter Set(VirTypedParameter* parameters, int index, string field, TypedParameterType type)
    {
        ref var p = ref parameters[index];
        fixed (byte* f = p.Field)
            Encoding.ASCII.GetBytes(field + "\0").CopyTo(new Span<byte>(f, 80));
        p.Type = (int)type;
        return ref p;
    }
}
