using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

namespace CloudPortal.EndToEnd.Tests;

/// <summary>
/// One real portal process (the web project's build output, run with <c>dotnet CloudPortal.Web.dll</c> in Development so
/// static web assets are served from the manifest) against the local libvirtd, and one headless Chromium, for the whole suite.
/// A class that needs its own portal (own pool, own prefix) derives from it and overrides the settings and the sweep.
/// </summary>
public class PortalFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(60);

    private readonly StringBuilder _log = new();
    private Process? _portal;
    private IPlaywright? _playwright;
    private string? _dataDirectory;

    public string RepoRoot { get; } = FindRepoRoot();
    public Uri BaseAddress { get; private set; } = default!;
    public string AdminUser => "admin";
    public string AdminPassword { get; } = "e2e-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(12)).ToLowerInvariant();
    public IBrowser Browser { get; private set; } = default!;

    /// <summary>The portal's console output so far, for failure messages.</summary>
    public string PortalLog
    {
        get { lock (_log) return _log.ToString(); }
    }

    /// <summary>Removes what this fixture's tests leave in libvirt; run before the portal starts and after it stopped.</summary>
    protected virtual Task SweepAsync() => Virsh.RemoveTestDomainsAsync();

    /// <summary>More settings for the portal process, as environment variables (CloudPortal__Section__Key).</summary>
    protected virtual void Configure(IDictionary<string, string?> environment)
    {
    }

    public async Task InitializeAsync()
    {
        await SweepAsync();
        try
        {
            await StartPortalAsync();
            await StartBrowserAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    private async Task StartPortalAsync()
    {
        var bin = AppContext.BaseDirectory;
        var webDll = Path.Combine(bin, "CloudPortal.Web.dll");
        var manifest = Path.Combine(bin, "CloudPortal.Web.staticwebassets.runtime.json");
        if (!File.Exists(webDll))
            throw new InvalidOperationException($"{webDll} is missing: the ProjectReference should copy it next to the tests.");
        if (!File.Exists(manifest))
            throw new InvalidOperationException($"{manifest} is missing: Development could not serve static web assets.");

        _dataDirectory = Directory.CreateTempSubdirectory("cloudportal-e2e-").FullName;
        BaseAddress = new Uri($"http://127.0.0.1:{FreePort()}/");

        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _dataDirectory,
        };
        start.ArgumentList.Add(webDll);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["CLOUDPORTAL_URLS"] = BaseAddress.GetLeftPart(UriPartial.Authority);
        start.Environment["CLOUDPORTAL_DATA_DIR"] = _dataDirectory;
        start.Environment["CLOUDPORTAL_ADMIN_PASSWORD"] = AdminPassword;
        // E2E_HOST_URI=test:///default runs the pages that need no real guest (images) when qemu:///system is unusable.
        start.Environment["CloudPortal__LocalHostUri"] = Environment.GetEnvironmentVariable("E2E_HOST_URI") is { Length: > 0 } hostUri ? hostUri : Virsh.Uri;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__Console__TimestampFormat"] = "HH:mm:ss.fff ";
        start.Environment["Logging__LogLevel__CloudPortal"] = "Information";
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        start.Environment.Remove("ASPNETCORE_URLS");
        Configure(start.Environment);

        _portal = Process.Start(start) ?? throw new InvalidOperationException("the portal did not start");
        _portal.OutputDataReceived += (_, e) => Append(e.Data);
        _portal.ErrorDataReceived += (_, e) => Append(e.Data);
        _portal.BeginOutputReadLine();
        _portal.BeginErrorReadLine();

        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        await WaitForAsync(http, "healthz");
        await WaitForAsync(http, "readyz"); // 200 once a host is connected

        foreach (var asset in new[] { "_content/MudBlazor/MudBlazor.min.css", "_content/MudBlazor/MudBlazor.min.js", "_framework/blazor.web.js", "css/portal.css" })
        {
            using var response = await http.GetAsync(asset);
            if (response.StatusCode != HttpStatusCode.OK)
                throw new InvalidOperationException($"static asset {asset} answered {(int)response.StatusCode}; portal log:\n{PortalLog}");
        }
    }

    private async Task WaitForAsync(HttpClient http, string path)
    {
        var deadline = DateTime.UtcNow + StartupTimeout;
        string last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            if (_portal!.HasExited)
                throw new InvalidOperationException($"the portal exited with {_portal.ExitCode} before /{path} answered; log:\n{PortalLog}");
            try
            {
                using var response = await http.GetAsync(path);
                if (response.StatusCode == HttpStatusCode.OK)
                    return;
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                last = ex.Message;
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"/{path} did not answer 200 within {StartupTimeout} (last: {last}); portal log:\n{PortalLog}");
    }

    private async Task StartBrowserAsync()
    {
        // Assertions wait as long as actions do (5 s by default): the box is shared, guests run under TCG.
        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("CLOUDPORTAL_TEST_CHROMIUM") ?? "/usr/bin/chromium",
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic",
            ],
        });
    }

    /// <summary>A fresh browser context (its own cookies) and page, 1280×800.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
        });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    /// <summary>An HTTP client of the portal's REST API, signed in as the administrator with a bearer token.</summary>
    public async Task<HttpClient> NewApiClientAsync(TimeSpan? timeout = null)
    {
        var api = new HttpClient { BaseAddress = BaseAddress, Timeout = timeout ?? TimeSpan.FromSeconds(100) };
        try
        {
            using var token = await api.PostAsJsonAsync("/api/v1/tokens", new { username = AdminUser, password = AdminPassword });
            token.EnsureSuccessStatusCode();
            var body = await token.Content.ReadFromJsonAsync<JsonElement>();
            api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", body.GetProperty("token").GetString());
            return api;
        }
        catch
        {
            api.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsyncCore()
    {
        try
        {
            if (Browser is not null)
                await Browser.CloseAsync();
        }
        catch (PlaywrightException) { /* the browser may already be gone */ }
        Browser = null!;
        _playwright?.Dispose();
        _playwright = null;

        if (_portal is not null)
        {
            try
            {
                if (!_portal.HasExited)
                {
                    _portal.Kill(entireProcessTree: true);
                    await _portal.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
                }
            }
            catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException) { }
            _portal.Dispose();
            _portal = null;
        }

        // Kept for diagnosis: the portal's console output of this run, next to the test assembly.
        try { await File.WriteAllTextAsync(Path.Combine(AppContext.BaseDirectory, "portal-e2e.log"), PortalLog); } catch (IOException) { }

        await SweepAsync();

        if (_dataDirectory is not null)
        {
            try { Directory.Delete(_dataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            _dataDirectory = null;
        }
    }

    public virtual async Task DisposeAsync() => await DisposeAsyncCore();

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_log)
            _log.AppendLine(line);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CloudPortal.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no CloudPortal.sln above {AppContext.BaseDirectory}");
    }
}

[CollectionDefinition(Name)]
public sealed class PortalCollection : ICollectionFixture<PortalFixture>
{
    public const string Name = "portal";
}
