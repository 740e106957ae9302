using System.Security.Claims;
using CloudPortal.Core.Monitoring;
using CloudPortal.Web.Accounts;

namespace CloudPortal.Web.Monitoring;

/// <summary>The series of one machine or host: <c>{"series":[{"name","unit","points":[[unixSeconds,value],...]}]}</c>; a null value is a gap.</summary>
public sealed record MetricsDto(IReadOnlyList<SeriesDto> Series)
{
    public static MetricsDto From(IReadOnlyList<SeriesData> series) =>
        new(series.Select(s => new SeriesDto(s.Name, s.Unit, s.Points.Select(p => new double?[] { p.UnixSeconds, p.Value }).ToList())).ToList());
}

public sealed record SeriesDto(string Name, string Unit, IReadOnlyList<double?[]> Points);

public static class MetricsEndpoints
{
    public static RouteGroupBuilder MapMetricsEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/machines/{id:guid}/metrics", async (Guid id, string? range, ClaimsPrincipal user, MetricsQuery query, CancellationToken ct) =>
            MetricsDto.From(await query.MachineAsync(user.ToCaller(), id, range, ct)))
            .WithTags("Monitoring")
            .WithSummary("A machine's CPU, memory, disk and network series over ?range= (ISO 8601, default PT1H): full resolution up to an hour, minute averages and maxima up to 7 days, hourly beyond.")
            .Produces<MetricsDto>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/hosts/{id:guid}/metrics", async (Guid id, string? range, ClaimsPrincipal user, MetricsQuery query, CancellationToken ct) =>
            MetricsDto.From(await query.HostAsync(user.ToCaller(), id, range, ct)))
            .WithTags("Monitoring")
            .WithSummary("A host's CPU, memory (used, total, allocated to machines), allocated vCPUs and running machines over ?range= (admin).")
            .Produces<MetricsDto>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }
}
