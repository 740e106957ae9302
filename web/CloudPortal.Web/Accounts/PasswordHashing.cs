using System.Security.Cryptography;
using CloudPortal.Core.Accounts;
using Microsoft.AspNetCore.Identity;

namespace CloudPortal.Web.Accounts;

/// <summary>PBKDF2 through ASP.NET Core Identity's hasher (versioned format, so parameters can be raised later).</summary>
public sealed class PasswordHashing : IPasswordHashing
{
    private readonly PasswordHasher<User> _hasher = new();

    public string Hash(string password) => _hasher.HashPassword(null!, password);

    public bool Verify(User user, string password) =>
        _hasher.VerifyHashedPassword(user, user.PasswordHash, password) != PasswordVerificationResult.Failed;

    /// <summary>Runs a verification anyway for unknown users, so timing does not tell which part was wrong.</summary>
    public void VerifyDummy(string password) => _hasher.VerifyHashedPassword(null!, DummyHash, password);

    private static readonly string DummyHash = new PasswordHasher<User>().HashPassword(null!, GeneratePassword());

    public static string GeneratePassword() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', 'x').Replace('/', 'y');
}
