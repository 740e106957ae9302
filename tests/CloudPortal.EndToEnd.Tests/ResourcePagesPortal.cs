using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CloudPortal.Core.Networks;

namespace CloudPortal.EndToEnd.Tests;

/// <summary>
/// The portal of <see cref="ResourcePagesTests"/>: its own storage pool (cpq-pool-*, so volumes, base images and seeds
/// go with it), cpq- domains swept before and after, and the networks and filters it made on the host (named from its
/// own ids) removed after it stops. Its tenant networks take subnets from a pool of its own (10.236.0.0/16), so those a
/// crashed earlier run left are known by their subnet and swept at start; a portal from scripts/run uses another pool.
/// </summary>
public sealed class ResourcePagesPortal : PortalFixture
{
    public const string Prefix = "cpq-";

    private readonly SemaphoreSlim _imageGate = new(1, 1);
    private string? _imageId;
    private string? _imageName;

    public string Pool { get; } = Prefix + "pool-" + Guid.NewGuid().ToString("N")[..8];

    private const string SubnetPool = "10.236.0.0/16";
    private const string SubnetPrefix = "10.236.";

    protected override void Configure(IDictionary<string, string?> environment)
    {
        environment["CloudPortal__Storage__PortalPoolName"] = Pool;
        environment["CloudPortal__Storage__PortalPoolPath"] = "/var/lib/" + Pool;
        environment["CloudPortal__Networks__Pool"] = SubnetPool;
    }

    protected override async Task SweepAsync()
    {
        await Virsh.RemoveDomainsAsync(Prefix);
        var (_, pools, _) = await Virsh.RunAsync("pool-list", "--all", "--name");
        foreach (var name in Lines(pools).Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            await Virsh.RunAsync("pool-destroy", name);
            await Virsh.RunAsync("pool-undefine", name);
        }
        foreach (var dir in Directory.GetDirectories("/var/lib", Prefix + "pool-*"))
            Directory.Delete(dir, recursive: true);
        var (_, nets, _) = await Virsh.RunAsync("net-list", "--all", "--name");
        foreach (var name in Lines(nets).Where(n => n.StartsWith(NetworkNames.NetworkPrefix, StringComparison.Ordinal)))
        {
            var (_, xml, _) = await Virsh.RunAsync("net-dumpxml", name);
            var address = xml.Length == 0 ? "" : System.Xml.Linq.XDocument.Parse(xml).Root?.Element("ip")?.Attribute("address")?.Value ?? "";
            if (!address.StartsWith(SubnetPrefix, StringComparison.Ordinal))
                continue;
            await Virsh.RunAsync("net-destroy", name);
            await Virsh.RunAsync("net-undefine", name);
        }
    }

    public override async Task DisposeAsync()
    {
        var networks = new List<string>();
        var filters = new List<string>();
        try
        {
            using var api = await NewApiClientAsync(TimeSpan.FromSeconds(20));
            var listed = await api.GetFromJsonAsync<JsonElement>("/api/v1/networks?limit=500");
            networks.AddRange(listed.GetProperty("items").EnumerateArray().Select(n => NetworkNames.Network(n.GetProperty("id").GetGuid())));
            var groups = await api.GetFromJsonAsync<JsonElement>("/api/v1/security-groups");
            var items = groups.ValueKind == JsonValueKind.Array ? groups : groups.GetProperty("items");
            filters.AddRange(items.EnumerateArray().Select(g => NetworkNames.Filter(g.GetProperty("id").GetGuid())));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or InvalidOperationException or KeyNotFoundException)
        {
            // The portal is gone already: nothing can say which networks were its own.
        }
        await base.DisposeAsync(); // stops the portal, then sweeps the domains and the pool
        foreach (var network in networks)
        {
            await Virsh.RunAsync("net-destroy", network);
            await Virsh.RunAsync("net-undefine", network);
        }
        foreach (var filter in filters)
            await Virsh.RunAsync("nwfilter-undefine", filter);
        _imageGate.Dispose();
    }

    /// <summary>A 64 MiB blank qcow2 image in the catalogue, uploaded once for the class: (id, name).</summary>
    public async Task<(string Id, string Name)> ImageAsync(HttpClient api)
    {
        await _imageGate.WaitAsync();
        try
        {
            if (_imageId is not null)
                return (_imageId, _imageName!);
            var dir = Directory.CreateTempSubdirectory(Prefix + "img-").FullName;
            try
            {
                var path = Path.Combine(dir, "base.qcow2");
                using (var qemuImg = Process.Start(new ProcessStartInfo("qemu-img", ["create", "-q", "-f", "qcow2", path, "64M"]))!)
                {
                    await qemuImg.WaitForExitAsync();
                    if (qemuImg.ExitCode != 0)
                        throw new InvalidOperationException($"qemu-img create failed with {qemuImg.ExitCode}");
                }
                var name = Prefix + "img-" + Guid.NewGuid().ToString("N")[..8];
                using var form = new MultipartFormDataContent();
                form.Add(new StringContent(name), "name");
                var file = new StreamContent(File.OpenRead(path));
                file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                form.Add(file, "file", "base.qcow2");
                using var response = await api.PostAsync("/api/v1/images", form);
                var body = await response.Content.ReadAsStringAsync();
                if (!response.IsSuccessStatusCode)
                    throw new InvalidOperationException($"image upload answered {(int)response.StatusCode}: {body}");
                _imageId = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
                _imageName = name;
                return (_imageId, _imageName);
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        finally
        {
            _imageGate.Release();
        }
    }

    private static IEnumerable<string> Lines(string text) =>
        text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
