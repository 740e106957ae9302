using System.Text.RegularExpressions;
using CloudPortal.Core.Common;

namespace CloudPortal.Core.Accounts;

public static partial class AccountRules
{
    public const int MinPasswordLength = 8;
    public const int MaxPasswordLength = 1024;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\\z")]
    private static partial Regex UsernamePattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}\\z")]
    private static partial Regex KeyNamePattern();

    public static void ValidateUsername(string? username, ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(username))
            errors.Add("username", "username is required.");
        else if (!UsernamePattern().IsMatch(username))
            errors.Add("username", "username must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit.");
    }

    public static void ValidatePassword(string field, string? password, ValidationErrors errors)
    {
        if (string.IsNullOrEmpty(password))
            errors.Add(field, "a password is required.");
        else if (password.Length < MinPasswordLength)
            errors.Add(field, $"the password must have at least {MinPasswordLength} characters.");
        else if (password.Length > MaxPasswordLength)
            errors.Add(field, $"the password must have at most {MaxPasswordLength} characters.");
    }

    public static void ValidateTenantRole(string field, string? role, bool allowAdmin, ValidationErrors errors)
    {
        var allowed = allowAdmin ? Roles.All : Roles.All.Where(r => r != Roles.Admin).ToList();
        if (string.IsNullOrEmpty(role) || !allowed.Contains(role))
            errors.Add(field, $"role must be one of {string.Join(", ", allowed)}.");
    }

    public static void ValidateKeyName(string? name, ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(name))
            errors.Add("name", "name is required.");
        else if (!KeyNamePattern().IsMatch(name))
            errors.Add("name", "name must be 1 to 64 letters, digits, spaces, '.', '_' or '-'.");
    }
}
