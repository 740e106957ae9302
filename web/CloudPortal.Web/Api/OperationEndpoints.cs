using System.Security.Claims;
using CloudPortal.Core.Common;
using CloudPortal.Core.Operations;
using CloudPortal.Web.Accounts;

namespace CloudPortal.Web.Api;

public static class OperationEndpoints
{
    public static RouteGroupBuilder MapOperationEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/operations/{id:guid}", async (Guid id, ClaimsPrincipal user, IServiceProvider services, CancellationToken ct) =>
        {
            var caller = user.ToCaller();
            var operations = services.GetRequiredService<IOperationStore>();
            var operation = await operations.GetAsync(id, ct);
            if (operation is null || (operation.TenantId != caller.TenantId && !caller.IsAdmin))
                throw new NotFoundException($"Operation {id} was not found.");
            return await DescribeAsync(id, services, ct);
        })
        .WithTags("Operations")
        .WithSummary("A long action's progress: state pending/running/succeeded/failed/cancelled, its stage and every step.")
        .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    internal static async Task<OperationDto> DescribeAsync(Guid id, IServiceProvider services, CancellationToken ct)
    {
        var operations = services.GetRequiredService<IOperationStore>();
        var operation = await operations.GetAsync(id, ct) ?? throw new NotFoundException($"Operation {id} was not found.");
        return OperationDto.From(operation, await operations.ListStepsAsync(id, ct));
    }
}
