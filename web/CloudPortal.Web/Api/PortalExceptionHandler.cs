using System.Text.Json;
using CloudPortal.Core.Common;
using CloudPortal.Core.Quotas;
using LibvirtSharp;
using Microsoft.AspNetCore.Diagnostics;

namespace CloudPortal.Web.Api;

/// <summary>Turns the portal's exceptions into RFC 9457 problem details with the right status.</summary>
public sealed class PortalExceptionHandler(IProblemDetailsService problems, ILogger<PortalExceptionHandler> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        var (status, title, detail, errors) = exception switch
        {
            ValidationFailedException v => (400, "The request is not valid", v.Message, v.Errors),
            BadHttpRequestException b => (400, "The request is not valid", b.Message, FieldFromJson(b)),
            NotFoundException n => (404, "Not found", n.Message, null),
            ConflictException c => (409, "Conflict", c.Message, null),
            CloudPortal.Core.Images.UploadTooLargeException u => (413, "Upload too large", u.Message, null),
            QuotaExceededException q => (409, "Quota exceeded", string.Join("; ", q.Violations), null),
            ForbiddenException f => (403, "Forbidden", f.Message, null),
            UnauthorizedAccessException => (401, "Unauthorized", "Sign in first.", null),
            HostUnavailableException h => (503, "Host unavailable", h.Message, null),
            LibvirtException l => (502, "libvirt refused the request", l.LibvirtMessage, null),
            _ => (500, "Unexpected error", "An unexpected error occurred; it has been logged.", (IReadOnlyDictionary<string, string[]>?)null),
        };
        if (status == 500)
            log.LogError(exception, "Unhandled error on {Method} {Path}", http.Request.Method, http.Request.Path);
        http.Response.StatusCode = status;
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Title = title, Detail = detail };
        if (errors is not null)
            problem.Extensions["errors"] = errors;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem, Exception = exception });
    }

    /// <summary>A body that is not the JSON we expect names the field it broke on, e.g. "vcpus" for "vcpus":"many".</summary>
    private static IReadOnlyDictionary<string, string[]>? FieldFromJson(BadHttpRequestException exception)
    {
        if (exception.InnerException is not JsonException json)
            return null;
        var field = json.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : "body";
        return new Dictionary<string, string[]> { [field] = [$"{field} has the wrong type or is not valid JSON."] };
    }
}
