using System.Net;
using System.Text.Json;
using CloudPortal.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CloudPortal.Web.Tests.Authorization;

/// <summary>
/// Issue 4, item 5: every API endpoint × every role × own/other tenant's resource (and an id that exists nowhere),
/// generated from <see cref="AuthorizationMatrix"/>, which must list exactly the app's endpoints.
/// </summary>
public sealed class AuthorizationMatrixTests(AuthorizationPortal portal) : IClassFixture<AuthorizationPortal>
{
    public static IEnumerable<object[]> Cases => AuthorizationMatrix.Cases();

    [Fact]
    public void EveryApiEndpoint_IsInTheMatrix()
    {
        var app = ApiEndpoints(portal.Factory.Services);
        var table = AuthorizationMatrix.Rules.Select(r => r.Key).ToList();
        var problems = app.Except(table).Select(k => $"unclassified endpoint: {k} — add it to AuthorizationMatrix with its rule")
            .Concat(table.Except(app).Select(k => $"stale matrix entry: {k} is no longer an endpoint of the app"))
            .Concat(table.GroupBy(k => k).Where(g => g.Count() > 1).Select(g => $"duplicate matrix entry: {g.Key}"))
            .ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Matrix_IsConsistent()
    {
        var problems = new List<string>();
        foreach (var rule in AuthorizationMatrix.Rules)
        {
            var own = AuthorizationMatrix.Outcomes(rule.Own);
            if (own.Length != 4 || own.Any(o => o is not ("ok" or "403" or "404")))
                problems.Add($"{rule.Key}: Own must be four of ok/403/404: '{rule.Own}'");
            if (rule.IsTargeted != (rule.Other is not null))
                problems.Add($"{rule.Key}: a rule names another tenant's outcome exactly when it names a tenant's resource");
            if (rule.Other is null)
                continue;
            var other = AuthorizationMatrix.Outcomes(rule.Other);
            if (other.Length != 4 || other.Any(o => o is not ("ok" or "403" or "404")))
                problems.Add($"{rule.Key}: Other must be four of ok/403/404: '{rule.Other}'");
            for (var i = 1; i < Math.Min(4, other.Length); i++)
            {
                // A non-admin never acts on another tenant's resource; a 403 is allowed only when the role is refused
                // outright (the same 403 for its own tenant), so that it says nothing about whether the resource exists.
                if (other[i] == "ok")
                    problems.Add($"{rule.Key}: {AuthorizationMatrix.Roles[i]} may not act on another tenant's resource");
                if (other[i] == "403" && own[i] != "403")
                    problems.Add($"{rule.Key}: {AuthorizationMatrix.Roles[i]} gets 403 for another tenant's resource but not for its own: an existence oracle");
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void KnownBugs_EachHaveASkippedFact()
    {
        var facts = typeof(AuthorizationMatrixTests).GetMethods()
            .Select(m => m.GetCustomAttributes(typeof(FactAttribute), false).OfType<FactAttribute>().FirstOrDefault())
            .Where(f => f?.Skip?.StartsWith("bug:", StringComparison.Ordinal) == true)
            .Count();
        Assert.All(AuthorizationMatrix.KnownBugs.Values, reason => Assert.StartsWith("bug:", reason));
        Assert.Equal(AuthorizationMatrix.KnownBugs.Count, facts);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Case(string endpoint, string role, string target)
    {
        var rule = AuthorizationMatrix.Rule(endpoint);
        var expected = AuthorizationMatrix.Expected(rule, role, target);
        var values = await PlaceholdersAsync(rule, role, target, expected);
        var path = "/" + Substitute(rule.Pattern, values);
        var body = rule.Body is null ? null : Substitute(rule.Body, values);
        var token = role == AuthorizationMatrix.Anonymous || rule.Kind == Access.Anonymous ? null : portal.TokenOf(role);

        using var response = await portal.SendAsync(new HttpMethod(rule.Method), path, token, body);
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync();
        var passed = expected == "ok" ? status is >= 200 and < 300 or 409 : status.ToString() == expected;
        Assert.True(passed,
            $"{endpoint} as {role} on {target} resource ({rule.Method} {path}): expected {Describe(expected)}, got {status}: {Truncate(text)}");
        if (expected != "ok")
            Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json",
                $"{endpoint} as {role} on {target}: the {status} is not problem+json: {Truncate(text)}");

        if (role is not ("admin" or AuthorizationMatrix.Anonymous) && status is >= 200 and < 300)
        {
            var leaked = portal.OtherTenantMarks(namesOnly: rule.EchoesCallersIds).Where(mark => text.Contains(mark, StringComparison.OrdinalIgnoreCase)).ToList();
            Assert.True(leaked.Count == 0,
                $"{endpoint} as {role} on {target} ({rule.Method} {path}) answered with tenant B's {string.Join(", ", leaked)}: {Truncate(text)}");
        }

        if (rule.UndoBody is not null && status is >= 200 and < 300)
        {
            using var undo = await portal.SendAsync(new HttpMethod(rule.Method), path, token, Substitute(rule.UndoBody, values));
            Assert.True(undo.IsSuccessStatusCode, $"undo of {endpoint} as {role} failed: {(int)undo.StatusCode}");
        }
    }

    /// <summary>The route and body values of one case; allowed calls that destroy get a throw-away object.</summary>
    private async Task<Dictionary<string, string>> PlaceholdersAsync(EndpointRule rule, string role, string target, string expected)
    {
        var tenant = portal.TenantOf(target);
        var missing = target == "missing";
        var credentials = portal.CredentialsOf(role == AuthorizationMatrix.Anonymous ? "member" : role);
        var values = new Dictionary<string, string>
        {
            ["tenant"] = (missing ? Guid.NewGuid() : tenant.Id).ToString(),
            ["name"] = PortalApi.UniqueName("authz"),
            ["username"] = credentials.Username,
            ["password"] = credentials.Password,
            ["newPassword"] = credentials.Password + "-changed",
        };
        foreach (var (parameter, resource) in rule.ResourceMap)
        {
            var throwAway = rule.Destroys == parameter && expected == "ok" && !missing;
            values[parameter] = resource switch
            {
                "action" => "pause",
                "host" => portal.Host.GetProperty("id").GetString()!,
                "pool" => "default-pool",
                _ when missing => Guid.NewGuid().ToString(),
                "machine" when throwAway => (await portal.CreateRunningMachineAsync(tenant)).Machine.ToString(),
                "machine" => tenant.MachineId.ToString(),
                "operation" => tenant.OperationId.ToString(),
                // Sizes are cloud-wide: every case gets its own, so an allowed delete never takes one another case uses.
                "size" => (await portal.CreateSizeAsync()).ToString(),
                "placementgroup" when throwAway => (await portal.CreatePlacementGroupAsync(tenant)).ToString(),
                "placementgroup" => tenant.PlacementGroupId.ToString(),
                "image" when throwAway => (await portal.UploadImageAsync(tenant)).ToString(),
                "image" => tenant.ImageId.ToString(),
                "network" when throwAway => (await portal.CreateNetworkAsync(tenant)).ToString(),
                "network" => tenant.NetworkId.ToString(),
                "securitygroup" when throwAway => (await portal.CreateSecurityGroupAsync(tenant)).ToString(),
                "securitygroup" => tenant.SecurityGroupId.ToString(),
                // Keys are per user: "own" is a throw-away key of the caller's, "other" another user's.
                "sshkey" when target == "own" && role != AuthorizationMatrix.Anonymous => (await portal.CreateSshKeyAsync(portal.TokenOf(role))).ToString(),
                "sshkey" => portal.OtherUsersSshKeyId.ToString(),
                "template" when throwAway => (await portal.CreateTemplateAsync(tenant)).ToString(),
                "template" => tenant.TemplateId.ToString(),
                "snapshot" when throwAway => (await portal.CreateSnapshotAsync(tenant)).ToString(),
                "snapshot" => tenant.SnapshotId.ToString(),
                "volume" when throwAway => (await portal.CreateVolumeAsync(tenant)).ToString(),
                "volume" => tenant.VolumeId.ToString(),
                "alertrule" when throwAway => (await portal.CreateAlertRuleAsync(tenant)).ToString(),
                "alertrule" => tenant.AlertRuleId.ToString(),
                "securityrule" when throwAway => (await portal.CreateSecurityRuleAsync(tenant)).ToString(),
                "securityrule" => tenant.SecurityRuleId.ToString(),
                "tenant" when throwAway => (await portal.CreateTenantAsync()).ToString(),
                "tenant" => tenant.Id.ToString(),
                "user" when throwAway => (await portal.CreateUserAsync(tenant.Id, "member")).Id.ToString(),
                // A throw-away user of B, so that a wrongly allowed call cannot change the fixture for later cases.
                "user" when target == "mixed" => (await portal.CreateUserAsync(portal.B.Id, "member")).Id.ToString(),
                "user" => tenant.PlainUserId.ToString(),
                "apikey" when target == "own" && role != AuthorizationMatrix.Anonymous =>
                    (await portal.CreateApiKeyAsync(portal.TokenOf(role))).ToString(),
                "apikey" => portal.OtherUsersKeyId.ToString(),
                _ => throw new InvalidOperationException($"{rule.Key}: unknown resource kind '{resource}'"),
            };
        }
        return values;
    }

    private static string Substitute(string template, IReadOnlyDictionary<string, string> values)
    {
        var result = System.Text.RegularExpressions.Regex.Replace(template, @"\{(\w+)(:[^}]*)?\}",
            m => values.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value);
        return result;
    }

    private static string Describe(string expected) => expected == "ok" ? "allowed (2xx or 409)" : expected;

    private static string Truncate(string text) => text.Length > 300 ? text[..300] + "…" : text;

    /// <summary>"METHOD api/v1/..." for every endpoint of the app under api/v1.</summary>
    public static IReadOnlyList<string> ApiEndpoints(IServiceProvider services) =>
        services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Pattern: (e.RoutePattern.RawText ?? "").Trim('/'), Methods: e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["*"]))
            .Where(e => e.Pattern.StartsWith("api/v1", StringComparison.Ordinal))
            .SelectMany(e => e.Methods.Select(m => $"{m} {e.Pattern}"))
            .Distinct()
            .OrderBy(k => k, StringComparer.Ordinal)
            .ToList();
}
