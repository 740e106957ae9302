using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using CloudPortal.Core.Common;
using CloudPortal.Web.Tests.Authorization;
using CloudPortal.Web.Tests.Infrastructure;

namespace CloudPortal.Web.Tests;

/// <summary>SSH keys in the profile, at /api/v1/ssh-keys and /api/v1/account/ssh-keys: validated, fingerprinted, the user's own.</summary>
public sealed class SshKeyApiTests(TestDriverPortal portal) : IClassFixture<TestDriverPortal>
{
    private async Task<HttpClient> MemberAsync()
    {
        using var tenant = await portal.Admin.PostAsJsonAsync("/api/v1/tenants", new { name = PortalApi.UniqueName("ssh") });
        var tenantId = (await tenant.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var name = PortalApi.UniqueName("ssh");
        using (var user = await portal.Admin.PostAsJsonAsync("/api/v1/users", new { username = name, password = "ssh-key-pass-1", tenantId, role = Roles.Member }))
            Assert.Equal(HttpStatusCode.Created, user.StatusCode);
        return await portal.Factory.ClientForAsync(name, "ssh-key-pass-1");
    }

    [Theory]
    [InlineData("/api/v1/ssh-keys")]
    [InlineData("/api/v1/account/ssh-keys")]
    public async Task AddSshKey_ValidKey_Returns201WithSha256FingerprintAndIsListedAtBothPaths(string path)
    {
        using var member = await MemberAsync();
        var line = AuthorizationPortal.RandomEd25519Key();
        using var created = await member.PostAsJsonAsync(path, new { name = "laptop", publicKey = line });
        var key = await created.JsonAsync(HttpStatusCode.Created);
        var id = key.GetProperty("id").GetString();
        Assert.Equal($"{path}/{id}", created.Headers.Location?.OriginalString);

        // OpenSSH's SHA256 fingerprint: the unpadded base64 of the SHA-256 of the decoded key blob.
        var blob = Convert.FromBase64String(line.Split(' ')[1]);
        Assert.Equal("SHA256:" + Convert.ToBase64String(SHA256.HashData(blob)).TrimEnd('='), key.GetProperty("fingerprint").GetString());
        Assert.Equal("laptop", key.GetProperty("name").GetString());

        foreach (var listPath in new[] { "/api/v1/ssh-keys", "/api/v1/account/ssh-keys" })
        {
            var items = (await (await member.GetAsync(listPath)).JsonAsync(HttpStatusCode.OK)).GetProperty("items");
            Assert.Contains(items.EnumerateArray(), k => k.GetProperty("id").GetString() == id);
        }
        using var again = await member.PostAsJsonAsync(path, new { name = "again", publicKey = line });
        await again.ProblemAsync(HttpStatusCode.Conflict);
    }

    [Theory]
    [InlineData("laptop", "ssh-rsa not-base64!", "publicKey")]
    [InlineData("laptop", "ssh-unknown AAAAC3NzaC1lZDI1NTE5AAAAIB3mJoflaD+o+dsTSudGyG75RRNus1tTIFhoxbCXWzz+", "publicKey")]
    [InlineData("laptop", "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIB3mJoflaD+o+dsTSudGyG75RRNus1tTIFhoxbCXWzz+ type-does-not-match-blob", "publicKey")]
    [InlineData("laptop", "", "publicKey")]
    [InlineData("", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB3mJoflaD+o+dsTSudGyG75RRNus1tTIFhoxbCXWzz+", "name")]
    public async Task AddSshKey_BadInput_Returns400ForTheFieldAndStoresNothing(string name, string publicKey, string field)
    {
        using var member = await MemberAsync();
        await (await member.PostAsJsonAsync("/api/v1/ssh-keys", new { name, publicKey })).ValidationProblemAsync(field);
        var items = (await (await member.GetAsync("/api/v1/ssh-keys")).JsonAsync(HttpStatusCode.OK)).GetProperty("items");
        Assert.Equal(0, items.GetArrayLength());
    }

    [Fact]
    public async Task SshKey_OtherUser_IsNotListedAndDeleteIs404()
    {
        using var owner = await MemberAsync();
        using var other = await MemberAsync();
        using var created = await owner.PostAsJsonAsync("/api/v1/ssh-keys", new { name = "mine", publicKey = AuthorizationPortal.RandomEd25519Key() });
        var id = (await created.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString();

        var othersKeys = (await (await other.GetAsync("/api/v1/ssh-keys")).JsonAsync(HttpStatusCode.OK)).GetProperty("items");
        Assert.DoesNotContain(othersKeys.EnumerateArray(), k => k.GetProperty("id").GetString() == id);
        await (await other.DeleteAsync($"/api/v1/ssh-keys/{id}")).ProblemAsync(HttpStatusCode.NotFound);
        await (await portal.Admin.DeleteAsync($"/api/v1/ssh-keys/{id}")).ProblemAsync(HttpStatusCode.NotFound);

        using var deleted = await owner.DeleteAsync($"/api/v1/ssh-keys/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        var ownersKeys = (await (await owner.GetAsync("/api/v1/account/ssh-keys")).JsonAsync(HttpStatusCode.OK)).GetProperty("items");
        Assert.Equal(0, ownersKeys.GetArrayLength());
    }
}
