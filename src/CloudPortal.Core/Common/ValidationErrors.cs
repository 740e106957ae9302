namespace CloudPortal.Core.Common;

/// <summary>Collects field errors so that a request reports all of its problems at once.</summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
            _errors[field] = list = [];
        list.Add(message);
    }

    public bool HasErrors => _errors.Count > 0;

    public void ThrowIfAny()
    {
        if (HasErrors)
            throw new ValidationFailedException(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
    }
}
