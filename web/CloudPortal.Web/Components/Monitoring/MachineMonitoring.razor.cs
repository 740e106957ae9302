using CloudPortal.Core.Common;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Monitoring;
using CloudPortal.Web.Accounts;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace CloudPortal.Web.Components.Monitoring;

/// <summary>A machine's live charts (CPU, memory, disk and network I/O) with a range picker.</summary>
public sealed partial class MachineMonitoring
{
    [Parameter] public Guid Id { get; set; }
    [Inject] private MachineService Machines { get; set; } = default!;
    [Inject] private MetricsQuery Query { get; set; } = default!;
    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private Machine? _machine;
    private string? _error;

    protected override IReadOnlyList<MetricDefinition> Catalog => MetricCatalog.Machine;
    protected override MetricRing? Ring() => Series.FindMachine(Id);

    protected override async Task<IReadOnlyList<SeriesData>> QueryAsync(string range, CancellationToken ct) =>
        await Query.MachineAsync((await AuthenticationState).User.ToCaller(), Id, range, ct);

    protected override bool TryPick(HostSample sample, out float[]? values)
    {
        var mine = sample.Machines.FirstOrDefault(m => m.MachineId == Id);
        values = mine?.Values;
        return mine is not null;
    }

    protected override async Task OnParametersSetAsync()
    {
        try
        {
            var caller = (await AuthenticationState).User.ToCaller();
            _machine = await Machines.GetAsync(caller, Id, Disposed.Token);
            await StartAsync();
            HostFailing = Series.Sampling(_machine.HostId) is { Failing: true } s ? s.LastError : null;
        }
        catch (NotFoundException ex)
        {
            _error = ex.Message;
        }
    }
}
