using CloudPortal.Core.Common;
using CloudPortal.Core.Quotas;
using LibvirtSharp;

namespace CloudPortal.Web.Components.Shared;

/// <summary>Which errors a page shows as a message (a snackbar) rather than letting them reach Blazor's error banner.</summary>
public static class UserFacingError
{
    public static bool TryDescribe(Exception exception, out string message)
    {
        message = exception switch
        {
            ValidationFailedException v => string.Join(" ", v.Errors.SelectMany(e => e.Value)),
            QuotaExceededException q => "Quota exceeded: " + string.Join("; ", q.Violations),
            ConflictException or NotFoundException or ForbiddenException or HostUnavailableException => exception.Message,
            LibvirtException l => "libvirt: " + l.LibvirtMessage,
            OperationCanceledException => "Cancelled.",
            _ => "",
        };
        return message.Length > 0;
    }
}
