using System.Security.Cryptography;
using System.Text;

namespace CloudPortal.Core.Accounts;

/// <summary>Bearer secrets: 256 random bits, shown once; the store keeps only their SHA-256.</summary>
public static class TokenSecrets
{
    public static string New() => "cpt_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
