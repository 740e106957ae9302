using CloudPortal.Core.Hosts;
using CloudPortal.Core.Monitoring;
using CloudPortal.Web.Accounts;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace CloudPortal.Web.Components.Monitoring;

/// <summary>A host's live charts: CPU, memory used against allocated and total, vCPUs and machines running, and the disk and network I/O of its machines.</summary>
public sealed partial class HostMonitoring
{
    [Parameter] public Guid Id { get; set; }
    [Inject] private HostService Hosts { get; set; } = default!;
    [Inject] private MetricsQuery Query { get; set; } = default!;
    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private HostView? _host;
    private string? _error;

    protected override IReadOnlyList<MetricDefinition> Catalog => MetricCatalog.Host;
    protected override MetricRing? Ring() => Series.FindHost(Id);

    protected override async Task<IReadOnlyList<SeriesData>> QueryAsync(string range, CancellationToken ct) =>
        await Query.HostAsync((await AuthenticationState).User.ToCaller(), Id, range, ct);

    protected override bool TryPick(HostSample sample, out float[]? values)
    {
        values = sample.Values;
        return sample.HostId == Id;
    }

    protected override async Task OnParametersSetAsync()
    {
        _host = (await Hosts.ListAsync(Disposed.Token)).FirstOrDefault(h => h.Host.Id == Id);
        if (_host is null)
        {
            _error = $"Host {Id} was not found.";
            return;
        }
        await StartAsync();
        HostFailing = Series.Sampling(Id) is { Failing: true } s ? s.LastError : null;
    }
}
