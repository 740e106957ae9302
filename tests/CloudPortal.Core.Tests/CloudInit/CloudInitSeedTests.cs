using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using CloudPortal.Core.CloudInit;
using CloudPortal.Core.Common;

namespace CloudPortal.Core.Tests.CloudInit;

public sealed class CloudInitSeedTests
{
    // A real ed25519 public key (the wire blob names its type; 32 key bytes follow).
    internal const string Ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

    /// <summary>A key line whose blob is well formed for <paramref name="type"/> (uint32 length, name, then data).</summary>
    internal static string KeyLine(string type, string? comment = null)
    {
        var name = Encoding.ASCII.GetBytes(type);
        var blob = new byte[4 + name.Length + 4 + 32];
        BinaryPrimitives.WriteUInt32BigEndian(blob, (uint)name.Length);
        name.CopyTo(blob, 4);
        BinaryPrimitives.WriteUInt32BigEndian(blob.AsSpan(4 + name.Length), 32);
        return $"{type} {Convert.ToBase64String(blob)}" + (comment is null ? "" : " " + comment);
    }

    private static CloudInitSeed Seed(string hostname = "web-1", string[]? keys = null, string? userData = null, string instanceId = "iid-1") =>
        new(instanceId, hostname, keys ?? [], userData);

    private static IReadOnlyDictionary<string, string[]> Errors(CloudInitSeed seed) =>
        Assert.Throws<ValidationFailedException>(() => CloudInitSeedRules.Validate(seed)).Errors;

    [Fact]
    public void MetaData_HostnameAndKeys_WritesQuotedYaml()
    {
        var seed = Seed("web-1.example.org", [Ed25519 + "  alice@laptop ", KeyLine("ssh-rsa")]);

        var text = NoCloudSeedBuilder.MetaData(seed);

        Assert.Equal(
            "instance-id: \"iid-1\"\n" +
            "local-hostname: \"web-1.example.org\"\n" +
            "public-keys:\n" +
            $"  - \"{Ed25519} alice@laptop\"\n" +
            $"  - \"{KeyLine("ssh-rsa")}\"\n",
            text);
    }

    [Fact]
    public void MetaData_NoKeys_OmitsPublicKeys()
    {
        Assert.Equal("instance-id: \"iid-1\"\nlocal-hostname: \"h\"\n", NoCloudSeedBuilder.MetaData(Seed("h")));
    }

    [Fact]
    public void MetaData_CommentWithYamlSyntax_StaysInsideOneQuotedScalar()
    {
        var key = Ed25519 + " x\" \nlocal-hostname: evil # \\";
        // The control character makes it invalid input; the writer must still not let it escape the scalar.
        var line = SeedYamlWriter.Quote(key);

        Assert.Equal("\"" + Ed25519 + " x\\\" \\nlocal-hostname: evil # \\\\\"", line);
        Assert.DoesNotContain('\n', line);
    }

    [Theory]
    [InlineData("é", "\"\\u00e9\"")]
    [InlineData("a\tb\u0001", "\"a\\tb\\x01\"")]
    [InlineData("😀", "\"\\U0001f600\"")]
    public void Quote_NonPrintable_IsEscaped(string value, string expected)
    {
        Assert.Equal(expected, SeedYamlWriter.Quote(value));
    }

    [Fact]
    public void UserData_None_IsEmptyCloudConfig()
    {
        Assert.Equal("#cloud-config\n{}\n", NoCloudSeedBuilder.UserData(Seed()));
        Assert.Equal("#!/bin/sh\necho hi\n", NoCloudSeedBuilder.UserData(Seed(userData: "#!/bin/sh\necho hi")));
    }

    [Theory]
    [InlineData("web-1")]
    [InlineData("a")]
    [InlineData("Web1.Example.ORG")]
    [InlineData("1host")]
    public void Validate_GoodHostname_Passes(string hostname)
    {
        CloudInitSeedRules.Validate(Seed(hostname));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-web")]
    [InlineData("web-")]
    [InlineData("web_1")]
    [InlineData("web..example")]
    [InlineData("web 1")]
    [InlineData("web\nlocal-hostname: x")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public void Validate_BadHostname_ReportsHostname(string hostname)
    {
        Assert.True(Errors(Seed(hostname)).ContainsKey("hostname"));
    }

    [Fact]
    public void Validate_AllKnownKeyTypes_Pass()
    {
        var keys = SshPublicKey.KnownTypes.Select(t => KeyLine(t, "c")).Append(Ed25519).ToArray();
        CloudInitSeedRules.Validate(Seed(keys: keys));
    }

    [Theory]
    [InlineData("ssh-dss AAAAB3NzaC1kc3MAAACBAP", "must start with a key type")]
    [InlineData("-----BEGIN OPENSSH PRIVATE KEY-----", "must start with a key type")]
    [InlineData("ssh-ed25519", "no key data")]
    [InlineData("ssh-ed25519 not*base64", "not valid base64")]
    [InlineData("ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl", "not a ssh-rsa key")]
    [InlineData("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5", "not a ssh-ed25519 key")]
    [InlineData("   ", "is empty")]
    public void Validate_BadKey_SaysWhy(string key, string expected)
    {
        var errors = Errors(Seed(keys: [Ed25519, key]));

        var message = Assert.Single(errors["sshPublicKeys"]);
        Assert.StartsWith("Key 2 ", message);
        Assert.Contains(expected, message);
    }

    [Fact]
    public void Validate_KeyWithNewline_IsRefused()
    {
        var errors = Errors(Seed(keys: [Ed25519 + " a\nlocal-hostname: x"]));
        Assert.Contains("control characters", Assert.Single(errors["sshPublicKeys"]));
    }

    [Fact]
    public void Validate_TooManyKeys_IsRefused()
    {
        var errors = Errors(Seed(keys: Enumerable.Repeat(Ed25519, CloudInitSeedRules.MaxSshPublicKeys + 1).ToArray()));
        Assert.Contains("At most 32", errors["sshPublicKeys"][0]);
    }

    [Fact]
    public void Validate_UserDataTooLarge_IsRefused()
    {
        var big = "#!/bin/sh\n" + new string('x', CloudInitSeedRules.MaxUserDataBytes);
        Assert.Contains("at most 16384", Assert.Single(Errors(Seed(userData: big))["userData"]));
    }

    [Theory]
    [InlineData("echo hi")]
    [InlineData("")]
    [InlineData("#cloud-boothook\n")]
    public void Validate_UserDataNotScriptOrCloudConfig_IsRefused(string userData)
    {
        Assert.True(Errors(Seed(userData: userData)).ContainsKey("userData"));
    }

    [Fact]
    public void Validate_SeveralProblems_ReportsEveryField()
    {
        var errors = Errors(new CloudInitSeed("bad id", "-x", ["nope"], "plain"));
        Assert.Equal(["hostname", "instanceId", "sshPublicKeys", "userData"], errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void NewInstanceId_IsValidAndFresh()
    {
        var a = CloudInitSeedRules.NewInstanceId();
        CloudInitSeedRules.Validate(Seed(instanceId: a));
        Assert.NotEqual(a, CloudInitSeedRules.NewInstanceId());
    }

    [Fact]
    public async Task BuildIsoAsync_ValidSeed_IsoHoldsBothFilesUnderCidata()
    {
        var dir = Directory.CreateTempSubdirectory("cp-seed-test-");
        try
        {
            var iso = Path.Combine(dir.FullName, "seed.iso");
            var seed = Seed("web-1", [Ed25519 + " alice"], "#!/bin/sh\necho marker\n");

            await NoCloudSeedBuilder.BuildIsoAsync(seed, iso, CancellationToken.None);

            var listing = await IsoInfoAsync("-f", "-J", "-i", iso);
            Assert.Equal(["/meta-data", "/user-data"], listing.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
            Assert.Equal(NoCloudSeedBuilder.MetaData(seed), await IsoInfoAsync("-J", "-x", "/meta-data", "-i", iso));
            Assert.Equal("#!/bin/sh\necho marker\n", await IsoInfoAsync("-J", "-x", "/user-data", "-i", iso));
            Assert.Contains("Volume id: cidata", await IsoInfoAsync("-d", "-i", iso));
            Assert.Empty(Directory.GetFiles(dir.FullName, "*.partial-*"));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task BuildIsoAsync_InvalidSeed_ThrowsAndWritesNothing()
    {
        var iso = Path.Combine(Path.GetTempPath(), "cp-seed-invalid-" + Guid.NewGuid().ToString("N") + ".iso");

        await Assert.ThrowsAsync<ValidationFailedException>(() =>
            NoCloudSeedBuilder.BuildIsoAsync(Seed("-bad"), iso, CancellationToken.None));

        Assert.False(File.Exists(iso));
    }

    [Fact]
    public async Task BuildIsoAsync_UnwritableTarget_SurfacesGenisoimageError()
    {
        var iso = Path.Combine("/nonexistent-dir-" + Guid.NewGuid().ToString("N"), "seed.iso");

        var error = await Assert.ThrowsAsync<SeedImageException>(() =>
            NoCloudSeedBuilder.BuildIsoAsync(Seed(), iso, CancellationToken.None));

        Assert.Contains("genisoimage failed", error.Message);
        Assert.Contains("nonexistent-dir", error.Message);
    }

    private static async Task<string> IsoInfoAsync(params string[] args)
    {
        var start = new ProcessStartInfo("isoinfo") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"isoinfo {string.Join(' ', args)}: {await stderr}");
        return await stdout;
    }
}
