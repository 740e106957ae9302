using CloudPortal.Core.Common;

namespace CloudPortal.Core.Audit;

public static class AuditedFailure
{
    /// <summary>A refusal of the caller's role is "denied"; anything else that went wrong is "failed".</summary>
    public static string ResultOf(Exception exception) =>
        exception is ForbiddenException ? AuditResults.Denied : AuditResults.Failed;
}
