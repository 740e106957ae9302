using System.Text;
using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Operations;
using CloudPortal.Data.Stores;

namespace CloudPortal.Data.Tests;

public sealed class MachineStoreTests : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly TempDatabase _db = new();
    private MachineStore _store = null!;
    private Guid _owner;
    private Host _host = null!;

    public async Task InitializeAsync()
    {
        _store = new MachineStore(_db.Database);
        _owner = (await _db.AddUserAsync(DefaultTenant.Id)).Id;
        _host = await _db.AddHostAsync();
    }

    public Task DisposeAsync()
    {
        _db.Dispose();
        return Task.CompletedTask;
    }

    private Machine NewMachine(string name, DateTimeOffset? createdAt = null, MachineState state = MachineState.Running, Guid? tenant = null) =>
        TempDatabase.NewMachine(name, tenant ?? DefaultTenant.Id, _owner, _host.Id, createdAt, state);

    private async Task<Machine> InsertAsync(Machine machine)
    {
        await _store.InsertWithOperationAsync(machine, TempDatabase.NewOperation(machine), None);
        return machine;
    }

    [Fact]
    public async Task InsertWithOperationAsync_ThenGet_RoundTripsEveryField()
    {
        var created = new DateTimeOffset(2024, 2, 29, 23, 59, 58, 123, TimeSpan.Zero);
        var machine = NewMachine("web", created, MachineState.Suspended) with
        {
            Vcpus = 7,
            MemoryMiB = 4321,
            LastError = "it's <odd> \"text\"",
            UpdatedAt = created.AddMinutes(5),
        };
        var operation = TempDatabase.NewOperation(machine);

        await _store.InsertWithOperationAsync(machine, operation, None);

        Assert.Equal(machine, await _store.GetAsync(machine.Id, None));
        Assert.Equal(machine, await _store.GetByDomainUuidAsync(machine.DomainUuid, None));
        var stored = await new OperationStore(_db.Database).GetAsync(operation.Id, None);
        Assert.Equal(operation, stored);
    }

    [Fact]
    public async Task InsertWithOperationAsync_NonUtcOffset_ReadBackAsSameInstantInUtc()
    {
        var local = new DateTimeOffset(2025, 1, 1, 12, 0, 0, 500, TimeSpan.FromHours(2));
        var machine = await InsertAsync(NewMachine("tz", local));

        var back = (await _store.GetAsync(machine.Id, None))!;

        Assert.Equal(local, back.CreatedAt);
        Assert.Equal(TimeSpan.Zero, back.CreatedAt.Offset);
    }

    [Fact]
    public async Task GetAsync_UnknownId_Null()
    {
        await InsertAsync(NewMachine("web"));

        Assert.Null(await _store.GetAsync(Guid.NewGuid(), None));
        Assert.Null(await _store.GetByDomainUuidAsync(Guid.NewGuid(), None));
    }

    [Fact]
    public async Task InsertWithOperationAsync_DuplicateNameInTenant_ConflictAndNoOperationLeft()
    {
        await InsertAsync(NewMachine("web"));
        var duplicate = NewMachine("web");
        var operation = TempDatabase.NewOperation(duplicate);

        var ex = await Assert.ThrowsAsync<ConflictException>(() => _store.InsertWithOperationAsync(duplicate, operation, None));

        Assert.Contains("'web'", ex.Message);
        Assert.Null(await _store.GetAsync(duplicate.Id, None));
        Assert.Null(await new OperationStore(_db.Database).GetAsync(operation.Id, None));
    }

    [Fact]
    public async Task InsertWithOperationAsync_SameNameInOtherTenant_Allowed()
    {
        var other = await _db.AddTenantAsync("other");
        await InsertAsync(NewMachine("web"));

        var second = await InsertAsync(NewMachine("web", tenant: other));

        Assert.Equal(other, (await _store.GetAsync(second.Id, None))!.TenantId);
        Assert.Single((await _store.ListAsync(other, new PageRequest(10, null), None)).Items);
        Assert.Single((await _store.ListAsync(DefaultTenant.Id, new PageRequest(10, null), None)).Items);
        Assert.Equal(2, (await _store.ListAsync(null, new PageRequest(10, null), None)).Items.Count);
    }

    [Fact]
    public async Task ListAsync_SevenMachinesLimitThree_PagesOf331NewestFirst()
    {
        var start = Clock.Now();
        var inserted = new List<Machine>();
        for (var i = 0; i < 7; i++)
            inserted.Add(await InsertAsync(NewMachine($"m{i}", start.AddSeconds(i))));

        var pages = new List<Page<Machine>>();
        string? cursor = null;
        do
        {
            var page = await _store.ListAsync(DefaultTenant.Id, new PageRequest(3, cursor), None);
            pages.Add(page);
            cursor = page.Next;
        } while (cursor is not null && pages.Count < 10);

        Assert.Equal([3, 3, 1], pages.Select(p => p.Items.Count));
        Assert.Null(pages[^1].Next);
        var names = pages.SelectMany(p => p.Items).Select(m => m.Name).ToList();
        Assert.Equal(["m6", "m5", "m4", "m3", "m2", "m1", "m0"], names);
        Assert.Equal(inserted.Select(m => m.Id).ToHashSet(), pages.SelectMany(p => p.Items).Select(m => m.Id).ToHashSet());
    }

    [Fact]
    public async Task ListAsync_EqualTimestamps_IdBreaksTieWithoutDuplicatesOrMisses()
    {
        var at = Clock.Now();
        var ids = new HashSet<Guid>();
        for (var i = 0; i < 5; i++)
            ids.Add((await InsertAsync(NewMachine($"same{i}", at))).Id);

        var seen = new List<Guid>();
        string? cursor = null;
        for (var guard = 0; guard < 10; guard++)
        {
            var page = await _store.ListAsync(DefaultTenant.Id, new PageRequest(2, cursor), None);
            seen.AddRange(page.Items.Select(m => m.Id));
            if ((cursor = page.Next) is null)
                break;
        }

        Assert.Equal(5, seen.Count);
        Assert.Equal(ids, seen.ToHashSet());
    }

    [Fact]
    public async Task ListAsync_ExactlyLimitRows_NoNextCursor()
    {
        for (var i = 0; i < 3; i++)
            await InsertAsync(NewMachine($"m{i}"));

        var page = await _store.ListAsync(DefaultTenant.Id, new PageRequest(3, null), None);

        Assert.Equal(3, page.Items.Count);
        Assert.Null(page.Next);
    }

    [Fact]
    public async Task ListAsync_FilterByNamePart_OnlyMatchingNames()
    {
        await InsertAsync(NewMachine("web-1"));
        await InsertAsync(NewMachine("web-2"));
        await InsertAsync(NewMachine("db-1"));

        var page = await _store.ListAsync(DefaultTenant.Id, new PageRequest(10, null, "eb-"), None);

        Assert.Equal(["web-1", "web-2"], page.Items.Select(m => m.Name).Order());
    }

    [Fact]
    public async Task ListAsync_FilterWithLikeWildcards_TakenLiterally()
    {
        await InsertAsync(NewMachine("web-1"));

        Assert.Empty((await _store.ListAsync(DefaultTenant.Id, new PageRequest(10, null, "%"), None)).Items);
        Assert.Empty((await _store.ListAsync(DefaultTenant.Id, new PageRequest(10, null, "w_b"), None)).Items);
    }

    [Fact]
    public async Task ListAsync_FilterByState_OnlyMachinesInThatState()
    {
        await InsertAsync(NewMachine("a", state: MachineState.Running));
        await InsertAsync(NewMachine("b", state: MachineState.Stopped));
        await InsertAsync(NewMachine("c", state: MachineState.Stopped));

        var page = await _store.ListAsync(DefaultTenant.Id, new PageRequest(10, null, "Stopped"), None);

        Assert.Equal(["b", "c"], page.Items.Select(m => m.Name).Order());
        Assert.All(page.Items, m => Assert.Equal(MachineState.Stopped, m.State));
    }

    [Theory]
    [InlineData("garbage!!")]
    [InlineData("bm90IGEgY3Vyc29y")] // "not a cursor"
    [InlineData("MjAyNC0wMS0wMXxub3QtYS1ndWlk")] // "2024-01-01|not-a-guid"
    public async Task ListAsync_GarbageCursor_ValidationFailedOnCursor(string cursor)
    {
        var ex = await Assert.ThrowsAsync<ValidationFailedException>(() => _store.ListAsync(DefaultTenant.Id, new PageRequest(3, cursor), None));

        Assert.Equal(["cursor"], ex.Errors.Keys);
    }

    [Fact]
    public async Task ListAsync_CursorOfOtherShape_StillWorks()
    {
        var m = await InsertAsync(NewMachine("old", Clock.Now().AddHours(-1)));
        await InsertAsync(NewMachine("new"));
        var cursor = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Clock.Now().AddMinutes(-1):yyyy-MM-dd'T'HH:mm:ss.fff'Z'}|{Guid.Empty}"));

        var page = await _store.ListAsync(DefaultTenant.Id, new PageRequest(3, cursor), None);

        Assert.Equal([m.Id], page.Items.Select(x => x.Id));
    }

    [Fact]
    public async Task TryBeginAsync_SteadyState_MovesToTransitionalAndRecordsOperation()
    {
        var machine = await InsertAsync(NewMachine("web", state: MachineState.Failed) with { LastError = "boom" });
        var operation = TempDatabase.NewOperation(machine, OperationKinds.Delete);

        Assert.True(await _store.TryBeginAsync(machine.Id, MachineState.Deleting, operation, None));

        var back = (await _store.GetAsync(machine.Id, None))!;
        Assert.Equal(MachineState.Deleting, back.State);
        Assert.Null(back.LastError);
        Assert.NotNull(await new OperationStore(_db.Database).GetAsync(operation.Id, None));
    }

    [Theory]
    [InlineData(MachineState.Provisioning)]
    [InlineData(MachineState.Deleting)]
    [InlineData(MachineState.Migrating)]
    public async Task TryBeginAsync_AlreadyTransitional_FalseAndNoOperation(MachineState state)
    {
        var machine = await InsertAsync(NewMachine("web", state: state));
        var operation = TempDatabase.NewOperation(machine, OperationKinds.Delete);

        Assert.False(await _store.TryBeginAsync(machine.Id, MachineState.Deleting, operation, None));

        Assert.Equal(state, (await _store.GetAsync(machine.Id, None))!.State);
        Assert.Null(await new OperationStore(_db.Database).GetAsync(operation.Id, None));
    }

    [Fact]
    public async Task TryBeginAsync_Twice_SecondRefused()
    {
        var machine = await InsertAsync(NewMachine("web"));

        Assert.True(await _store.TryBeginAsync(machine.Id, MachineState.Deleting, TempDatabase.NewOperation(machine, OperationKinds.Delete), None));
        Assert.False(await _store.TryBeginAsync(machine.Id, MachineState.Deleting, TempDatabase.NewOperation(machine, OperationKinds.Delete), None));
    }

    [Fact]
    public async Task UpdateStateAsync_Existing_TrueAndStateAndErrorStored()
    {
        var machine = await InsertAsync(NewMachine("web", Clock.Now().AddMinutes(-1)));

        Assert.True(await _store.UpdateStateAsync(machine.Id, MachineState.Missing, "gone", None));

        var back = (await _store.GetAsync(machine.Id, None))!;
        Assert.Equal(MachineState.Missing, back.State);
        Assert.Equal("gone", back.LastError);
        Assert.True(back.UpdatedAt > machine.UpdatedAt);
    }

    [Fact]
    public async Task UpdateStateAsync_MissingId_False()
    {
        await InsertAsync(NewMachine("web"));

        Assert.False(await _store.UpdateStateAsync(Guid.NewGuid(), MachineState.Stopped, null, None));
    }

    [Fact]
    public async Task DeleteAsync_Existing_RowGoneOperationKept()
    {
        var machine = NewMachine("web");
        var operation = TempDatabase.NewOperation(machine);
        await _store.InsertWithOperationAsync(machine, operation, None);

        await _store.DeleteAsync(machine.Id, None);

        Assert.Null(await _store.GetAsync(machine.Id, None));
        Assert.NotNull(await new OperationStore(_db.Database).GetAsync(operation.Id, None));
    }

    [Fact]
    public async Task CountRunningByHostAsync_MixedStatesAndHosts_CountsRunningOnThatHostOnly()
    {
        var otherHost = await _db.AddHostAsync();
        await InsertAsync(NewMachine("a"));
        await InsertAsync(NewMachine("b"));
        await InsertAsync(NewMachine("c", state: MachineState.Paused));
        await InsertAsync(NewMachine("d") with { HostId = otherHost.Id });

        Assert.Equal(2, await _store.CountRunningByHostAsync(_host.Id, None));
        Assert.Equal(["a", "b", "c"], (await _store.ListByHostAsync(_host.Id, None)).Select(m => m.Name));
    }

    [Fact]
    public async Task ListAllocationsAsync_SumsEachTenantsMachinesPerHostWhateverTheirState()
    {
        var second = await _db.AddHostAsync();
        await InsertAsync(NewMachine("a1") with { Vcpus = 2, MemoryMiB = 512 });
        await InsertAsync(NewMachine("a2", state: MachineState.Stopped) with { Vcpus = 1, MemoryMiB = 256 });
        await InsertAsync(NewMachine("b1") with { HostId = second.Id, Vcpus = 4, MemoryMiB = 1024 });

        var allocations = await _store.ListAllocationsAsync(None);

        Assert.Equal(
            [(_host.Id, DefaultTenant.Id, 3L, 768L, 1L), (second.Id, DefaultTenant.Id, 4L, 1024L, 1L)],
            allocations.OrderBy(a => a.MemoryMiB).Select(a => (a.HostId, a.TenantId, a.Vcpus, a.MemoryMiB, a.Running)));
    }

    [Fact]
    public async Task UpdateHostAsync_MovesTheRecordAndFalseWhenGone()
    {
        var second = await _db.AddHostAsync();
        var machine = await InsertAsync(NewMachine("moving"));

        Assert.True(await _store.UpdateHostAsync(machine.Id, second.Id, None));
        Assert.Equal(second.Id, (await _store.GetAsync(machine.Id, None))!.HostId);
        Assert.False(await _store.UpdateHostAsync(Guid.NewGuid(), second.Id, None));
    }
}
