namespace CloudPortal.Core.Common;

/// <summary>Bad input from a user or API client: a message per field, shown as a 400 field map or a form error.</summary>
public sealed class ValidationFailedException(IReadOnlyDictionary<string, string[]> errors)
    : Exception("The request is not valid: " + string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}")))
{
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;

    public static ValidationFailedException For(string field, string message) =>
        new(new Dictionary<string, string[]> { [field] = [message] });
}

/// <summary>The request is valid but clashes with the current state of things (a 409).</summary>
public class ConflictException(string message) : Exception(message);

/// <summary>The resource does not exist for this caller (a 404; also for another tenant's resource).</summary>
public sealed class NotFoundException(string message) : Exception(message);

/// <summary>A host was needed but cannot be reached right now (a 503).</summary>
public sealed class HostUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The caller's role may not do this (a 403; only for resources the caller may see).</summary>
public sealed class ForbiddenException(string message) : Exception(message);
