using CloudPortal.Core.Accounts;
using CloudPortal.Core.Common;
using CloudPortal.Core.Images;

namespace CloudPortal.Web.Images;

/// <summary>
/// Puts the demo guest image (built by scripts/make-guest-image; path in CloudPortal:Images:DemoImagePath) in the
/// catalogue as a public image, once: a newcomer's first machine then has something that boots. The upload goes
/// through the catalogue like any other, so it is inspected, hashed and stored by content.
/// </summary>
public sealed class DemoImageImport(
    IConfiguration configuration,
    ImageCatalogue catalogue,
    IImageStore images,
    IUserStore users,
    ILogger<DemoImageImport> log) : IHostedService
{
    public const string Name = "cloudportal-tiny";
    public const string PathSetting = ImageOptions.Section + ":DemoImagePath";

    public async Task StartAsync(CancellationToken ct)
    {
        var path = configuration[PathSetting];
        if (string.IsNullOrWhiteSpace(path))
            return;
        if (!File.Exists(path))
        {
            log.LogWarning("Demo image {Path} does not exist; the catalogue starts without it", path);
            return;
        }
        if (await AlreadyThereAsync(ct))
            return;

        var admin = (await users.ListAsync(null, ct)).Where(u => u.Role == Roles.Admin && !u.Disabled).MinBy(u => u.CreatedAt);
        if (admin is null)
        {
            log.LogWarning("No enabled administrator to publish the demo image as");
            return;
        }
        var caller = new Caller(admin.Id, admin.Username, DefaultTenant.Id, Roles.Admin, "startup");
        var metadata = new ImageMetadata(Name, "public", "Linux 6.1 + busybox (CloudPortal test guest)", 128, 1,
            "A 13 MiB guest built from Debian packages: reads a NoCloud seed (hostname, SSH keys, user-data), takes an address by DHCP and prints CLOUDPORTAL-READY on its serial console.");
        await using var content = File.OpenRead(path);
        try
        {
            var uploaded = await catalogue.UploadAsync(caller, metadata, content, content.Length, ct);
            log.LogInformation("Published the demo image {Name} ({Sha256})", Name, uploaded.Image.Sha256);
        }
        catch (Exception ex) when (ex is ConflictException or ValidationFailedException)
        {
            // A full quota or a name taken by a private image is the administrator's business, not a reason not to start.
            log.LogWarning("The demo image was not published: {Reason}", ex.Message);
        }
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;

    private async Task<bool> AlreadyThereAsync(CancellationToken ct)
    {
        var page = await images.ListVisibleAsync(DefaultTenant.Id, PageRequest.Create(PageRequest.MaxLimit, null, Name), ct);
        return page.Items.Any(i => i.Name == Name);
    }
}
