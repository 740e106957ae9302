using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Bunit;
using CloudPortal.Core.Accounts;
using CloudPortal.Core.Common;
using CloudPortal.Core.Images;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Quotas;
using CloudPortal.Web.Accounts;
using CloudPortal.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace CloudPortal.Web.Tests.Quotas;

/// <summary>
/// A portal on qemu:///system with its own cpz-webquota-* pool and a file-backed image catalogue (libvirt's test driver
/// cannot upload a base image). Its machines are named cpz-*; those domains are swept at start and at the end.
/// </summary>
public sealed class RootDiskQuotaPortal() : OwnPoolPortal("cpz-webquota-")
{
    public const string DomainPrefix = "cpz-";

    public FileImageCatalogue Images { get; } = new();
    public string WorkDirectory { get; } = Directory.CreateTempSubdirectory("cpz-webquota-").FullName;

    protected override void Configure(IWebHostBuilder builder) =>
        builder.ConfigureTestServices(services => services.AddSingleton<IImageContentSource>(Images));

    public override async Task InitializeAsync()
    {
        await RemoveDomainsAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            await RemoveDomainsAsync();
            Directory.Delete(WorkDirectory, recursive: true);
        }
    }

    private static async Task RemoveDomainsAsync()
    {
        foreach (var domain in (await Virsh.ListAllAsync()).Where(d => d.StartsWith(DomainPrefix, StringComparison.Ordinal)))
        {
            await Virsh.RunAsync("destroy", domain);
            await Virsh.RunAsync("undefine", domain, "--nvram", "--managed-save", "--snapshots-metadata");
        }
    }
}

/// <summary>
/// Root disks count against the tenant's aggregate disk quota through the API: create, clone, grow-disk, rebuild,
/// template launch, delete and a failed create, with the quota API showing the usage and a recompute agreeing with
/// the running ledger. Real guests under TCG, each tenant its own.
/// </summary>
[Trait("Category", "RealHost")]
[Collection(RealHostCollection.Name)]
public sealed class RootDiskQuotaTests(RootDiskQuotaPortal portal) : IClassFixture<RootDiskQuotaPortal>
{
    private static readonly TimeSpan OperationTimeout = TimeSpan.FromMinutes(3);

    private static string NewName() => PortalApi.UniqueName("cpz");

    private async Task<ImageContent> MakeImageAsync(int virtualMiB)
    {
        var path = Path.Combine(portal.WorkDirectory, Guid.NewGuid().ToString("N") + ".qcow2");
        await RunAsync("qemu-img", "create", "-q", "-f", "qcow2", path, $"{virtualMiB}M");
        await using var file = File.OpenRead(path);
        var sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(file));
        var image = new ImageContent(Guid.NewGuid(), Path.GetFileName(path), sha, ImageFormat.Qcow2, (long)virtualMiB << 20, new FileInfo(path).Length, path);
        portal.Images.Add(DefaultTenant.Id, image);
        return image;
    }

    private static async Task RunAsync(string tool, params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo(tool) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = System.Diagnostics.Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{tool} failed: {error}");
    }

    /// <summary>An admin client acting in a tenant of its own (X-Tenant-Id).</summary>
    private sealed record Tenant(HttpClient Client, string Id) : IDisposable
    {
        public void Dispose() => Client.Dispose();
    }

    /// <summary>A new tenant with the given disk limits.</summary>
    private async Task<Tenant> TenantAsync(long diskGiB, long? maxMachineDiskGiB = null)
    {
        using var created = await portal.Admin.PostJsonAsync("/api/v1/tenants", $$"""{"name":"{{NewName()}}"}""");
        var tenantId = (await created.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
        var client = await portal.Factory.AdminAsync();
        client.DefaultRequestHeaders.Add(BearerTokenHandler.TenantHeader, tenantId);
        await SetDiskLimitAsync(tenantId, diskGiB, maxMachineDiskGiB);
        return new Tenant(client, tenantId);
    }

    private async Task SetDiskLimitAsync(string tenantId, long diskGiB, long? maxMachineDiskGiB = null)
    {
        using var put = await portal.Admin.PutAsJsonAsync($"/api/v1/tenants/{tenantId}/quota", new { diskGiB, maxMachineDiskGiB });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
    }

    /// <summary>The quota API's defined and reserved disk figures.</summary>
    private static async Task<(long Used, long Reserved)> DiskUsageAsync(HttpClient client, string tenantId)
    {
        var quota = await client.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenantId}/quota");
        return (quota.GetProperty("usage").GetProperty("defined").GetProperty("diskGiB").GetInt64(),
            quota.GetProperty("reserved").GetProperty("defined").GetProperty("diskGiB").GetInt64());
    }

    private async Task AssertRecomputeConsistentAsync(string tenantId)
    {
        using var response = await portal.Admin.PostAsync($"/api/v1/tenants/{tenantId}/quota/recompute", null);
        var body = await response.JsonAsync(HttpStatusCode.OK);
        Assert.True(body.GetProperty("consistent").GetBoolean(), $"recompute found drift: {body}");
    }

    private static async Task<JsonElement> CreateAsync(HttpClient client, ImageContent image, int? diskGiB)
    {
        var disk = diskGiB is { } gib ? $",\"diskGiB\":{gib}" : "";
        using var response = await client.PostJsonAsync("/api/v1/machines",
            $$"""{"name":"{{NewName()}}","vcpus":1,"memoryMiB":64,"imageId":"{{image.ImageId}}"{{disk}}}""");
        var created = await response.JsonAsync(HttpStatusCode.Accepted);
        var operation = await client.WaitOperationAsync(created.GetProperty("operationId").GetString()!, OperationTimeout);
        Assert.True(operation.GetProperty("state").GetString() == "succeeded", $"create failed: {operation}");
        return created;
    }

    private static async Task DeleteAsync(HttpClient client, string id)
    {
        using var deleted = await client.DeleteAsync($"/api/v1/machines/{id}");
        var operation = await deleted.JsonAsync(HttpStatusCode.Accepted);
        var done = await client.WaitOperationAsync(operation.GetProperty("id").GetString()!, OperationTimeout);
        Assert.Equal("succeeded", done.GetProperty("state").GetString());
    }

    private static async Task<int> CountMachinesAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>("/api/v1/machines?limit=100")).GetProperty("items").GetArrayLength();

    [Fact]
    public async Task RootDisk_CreateGrowCloneDelete_QuotaApiShowsTheDiskAndRecomputeAgrees()
    {
        var image = await MakeImageAsync(64);
        using var tenant = await TenantAsync(diskGiB: 6);
        var (client, tenantId) = (tenant.Client, tenant.Id);

        var source = await CreateAsync(client, image, diskGiB: 2);
        var id = source.GetProperty("id").GetString()!;
        Assert.Equal(2, source.GetProperty("diskGiB").GetInt32());
        Assert.Equal((2L, 0L), await DiskUsageAsync(client, tenantId));

        // Over the aggregate: 409 naming disk, limit, usage and request, and nothing is created.
        using (var refused = await client.PostJsonAsync("/api/v1/machines",
                   $$"""{"name":"{{NewName()}}","vcpus":1,"memoryMiB":64,"imageId":"{{image.ImageId}}","diskGiB":5}"""))
            Assert.Equal("disk: limit 6 GiB, used 2 GiB, requested 5 GiB", (await refused.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString());
        Assert.Equal(1, await CountMachinesAsync(client));
        Assert.Equal((2L, 0L), await DiskUsageAsync(client, tenantId));

        // Growing charges the delta; a growth past the aggregate is refused and the disk keeps its size.
        using (var grown = await client.PostJsonAsync($"/api/v1/machines/{id}/grow-disk", """{"sizeGiB":3}"""))
            Assert.Equal(3, (await grown.JsonAsync(HttpStatusCode.OK)).GetProperty("diskGiB").GetInt32());
        Assert.Equal((3L, 0L), await DiskUsageAsync(client, tenantId));
        using (var tooBig = await client.PostJsonAsync($"/api/v1/machines/{id}/grow-disk", """{"sizeGiB":7}"""))
            Assert.Equal("disk: limit 6 GiB, used 3 GiB, requested 4 GiB", (await tooBig.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString());
        var overlay = $"/var/lib/{portal.Pool}/{source.GetProperty("domainUuid").GetString()}.qcow2";
        Assert.Equal(3L << 30, await VirtualSizeAsync(overlay));
        Assert.Equal(3, (await client.GetMachineAsync(id)).GetProperty("diskGiB").GetInt32());

        // A clone is a full copy of the source's disk: charged at its size, within the limit exactly.
        await client.ActAsync(id, "poweroff");
        using var cloned = await client.PostJsonAsync($"/api/v1/machines/{id}/clone", $$"""{"name":"{{NewName()}}"}""");
        var clone = await cloned.JsonAsync(HttpStatusCode.Accepted);
        var cloneOperation = await client.WaitOperationAsync(clone.GetProperty("operationId").GetString()!, OperationTimeout);
        Assert.True(cloneOperation.GetProperty("state").GetString() == "succeeded", $"clone failed: {cloneOperation}");
        Assert.Equal(3, clone.GetProperty("diskGiB").GetInt32());
        Assert.Equal((6L, 0L), await DiskUsageAsync(client, tenantId));
        using (var noRoom = await client.PostJsonAsync($"/api/v1/machines/{id}/clone", $$"""{"name":"{{NewName()}}"}"""))
            Assert.Equal("disk: limit 6 GiB, used 6 GiB, requested 3 GiB", (await noRoom.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString());
        await AssertRecomputeConsistentAsync(tenantId);

        // Deletes give the disks back.
        await DeleteAsync(client, clone.GetProperty("id").GetString()!);
        Assert.Equal((3L, 0L), await DiskUsageAsync(client, tenantId));
        await DeleteAsync(client, id);
        Assert.Equal((0L, 0L), await DiskUsageAsync(client, tenantId));
        await AssertRecomputeConsistentAsync(tenantId);
    }

    [Fact]
    public async Task RootDisk_RebuildToALargerImage_RefusedOverQuotaLeavingTheMachineThenChargedAtTheNewSize()
    {
        var small = await MakeImageAsync(64);
        var large = await MakeImageAsync(2048);
        using var tenant = await TenantAsync(diskGiB: 1);
        var (client, tenantId) = (tenant.Client, tenant.Id);
        var created = await CreateAsync(client, small, diskGiB: null);
        var id = created.GetProperty("id").GetString()!;
        // The image's virtual size (64 MiB) is what the disk gets, charged as a whole GiB.
        Assert.Equal((1L, 0L), await DiskUsageAsync(client, tenantId));

        using (var refused = await client.PostJsonAsync($"/api/v1/machines/{id}/rebuild", $$"""{"imageId":"{{large.ImageId}}"}"""))
            Assert.Equal("disk: limit 1 GiB, used 1 GiB, requested 1 GiB", (await refused.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString());
        var untouched = await client.GetMachineAsync(id);
        Assert.Equal("running", untouched.GetProperty("state").GetString());
        Assert.Equal(small.ImageId.ToString(), untouched.GetProperty("imageId").GetString());
        Assert.Equal("running", await Virsh.DomStateAsync(created.GetProperty("domainUuid").GetString()!));

        await SetDiskLimitAsync(tenantId, 2);
        using (var rebuilt = await client.PostJsonAsync($"/api/v1/machines/{id}/rebuild", $$"""{"imageId":"{{large.ImageId}}"}"""))
        {
            var body = await rebuilt.JsonAsync(HttpStatusCode.OK);
            Assert.Equal(2, body.GetProperty("diskGiB").GetInt32());
            Assert.Equal("running", body.GetProperty("state").GetString());
        }
        Assert.Equal((2L, 0L), await DiskUsageAsync(client, tenantId));
        Assert.Equal(2L << 30, await VirtualSizeAsync($"/var/lib/{portal.Pool}/{created.GetProperty("domainUuid").GetString()}.qcow2"));
        await AssertRecomputeConsistentAsync(tenantId);

        await DeleteAsync(client, id);
        Assert.Equal((0L, 0L), await DiskUsageAsync(client, tenantId));
    }

    [Fact]
    public async Task RootDisk_CreateFailingAfterItsDiskIsMade_ReservationReleasedAndNoDiskLeft()
    {
        var image = await MakeImageAsync(64);
        using var tenant = await TenantAsync(diskGiB: 3);
        var (client, tenantId) = (tenant.Client, tenant.Id);
        var machines = portal.Factory.Services.GetRequiredService<MachineService>();
        machines.BeforeStartHook = (machine, _) => machine.TenantId.ToString() == tenantId
            ? throw new InvalidOperationException("injected failure")
            : Task.CompletedTask;
        try
        {
            using var response = await client.PostJsonAsync("/api/v1/machines",
                $$"""{"name":"{{NewName()}}","vcpus":1,"memoryMiB":64,"imageId":"{{image.ImageId}}","diskGiB":3}""");
            var created = await response.JsonAsync(HttpStatusCode.Accepted);
            var operation = await client.WaitOperationAsync(created.GetProperty("operationId").GetString()!, OperationTimeout);
            Assert.Equal("failed", operation.GetProperty("state").GetString());
            Assert.False(File.Exists($"/var/lib/{portal.Pool}/{created.GetProperty("domainUuid").GetString()}.qcow2"));
        }
        finally
        {
            machines.BeforeStartHook = null;
        }
        Assert.Equal(0, await CountMachinesAsync(client));
        Assert.Equal((0L, 0L), await DiskUsageAsync(client, tenantId));
        await AssertRecomputeConsistentAsync(tenantId);
        // The whole limit is free again.
        var again = await CreateAsync(client, image, diskGiB: 3);
        Assert.Equal((3L, 0L), await DiskUsageAsync(client, tenantId));
        await DeleteAsync(client, again.GetProperty("id").GetString()!);
    }

    [Fact]
    public async Task RootDisk_TemplateLaunchOverTheDiskQuota_RefusedWholeNamingDiskAndNothingCreated()
    {
        var image = await MakeImageAsync(64);
        using var tenant = await TenantAsync(diskGiB: 5);
        var (client, tenantId) = (tenant.Client, tenant.Id);
        using var saved = await client.PostJsonAsync("/api/v1/templates",
            $$"""{"name":"{{NewName()}}","imageId":"{{image.ImageId}}","vcpus":1,"memoryMiB":64,"diskGiB":2}""");
        var template = await saved.JsonAsync(HttpStatusCode.Created);

        using var launched = await client.PostJsonAsync($"/api/v1/templates/{template.GetProperty("id").GetString()}/launch",
            $$"""{"count":3,"namePrefix":"{{NewName()}}"}""");
        var detail = (await launched.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString();

        Assert.Contains("disk: limit 5 GiB, used 0 GiB, requested 6 GiB", detail, StringComparison.Ordinal);
        Assert.Equal(0, await CountMachinesAsync(client));
        Assert.Equal((0L, 0L), await DiskUsageAsync(client, tenantId));
    }

    [Fact]
    public async Task QuotaPage_MachineWithARootDisk_DiskBarShowsItAgainstTheLimit()
    {
        var image = await MakeImageAsync(64);
        using var tenant = await TenantAsync(diskGiB: 6);
        var created = await CreateAsync(tenant.Client, image, diskGiB: 2);

        var services = portal.Factory.Services;
        var admin = (await services.GetRequiredService<IUserStore>().FindByUsernameAsync("admin", CancellationToken.None))!;
        await using var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        context.Services.AddSingleton(services.GetRequiredService<QuotaService>());
        context.AddAuthorization().SetAuthorized("admin").SetRoles(Roles.Admin).SetClaims(
            new Claim(ClaimTypes.NameIdentifier, admin.Id.ToString()), new Claim(PortalClaims.TenantId, tenant.Id));
        var page = context.Render<Components.Pages.Quota>();

        page.WaitForAssertion(() => Assert.Contains("2 GiB of 6 GiB", page.Find("[data-testid=quota-diskGiB]").TextContent), TimeSpan.FromSeconds(10));
        await DeleteAsync(tenant.Client, created.GetProperty("id").GetString()!);
    }

    private static async Task<long> VirtualSizeAsync(string path)
    {
        var start = new System.Diagnostics.ProcessStartInfo("qemu-img") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "info", "-U", "--output=json", path })
            start.ArgumentList.Add(arg);
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return JsonDocument.Parse(output).RootElement.GetProperty("virtual-size").GetInt64();
    }
}
