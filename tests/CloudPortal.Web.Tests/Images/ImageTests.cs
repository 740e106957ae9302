using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CloudPortal.Data;
using CloudPortal.Web.Tests.Infrastructure;
using Dapper;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace CloudPortal.Web.Tests.Images;

/// <summary>Issue 7, item 3: the image catalogue through the API, with real qemu-img and real files in the data directory.</summary>
public sealed class ImageTests(ImagePortal portal) : IClassFixture<ImagePortal>
{
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(2);

    private static async Task<HttpResponseMessage> UploadAsync(HttpClient client, string path, string name,
        IReadOnlyDictionary<string, string>? fields = null, bool chunked = false)
    {
        using var form = ImageFiles.Form(path, name, fields, chunked);
        using var cancel = new CancellationTokenSource(Generous);
        var response = await client.PostAsync("/api/v1/images", form, cancel.Token);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private static async Task<JsonElement> UploadOkAsync(HttpClient client, string path, string name, IReadOnlyDictionary<string, string>? fields = null)
    {
        using var response = await UploadAsync(client, path, name, fields);
        return await response.JsonAsync(HttpStatusCode.Created);
    }

    private async Task<bool> ListContainsAsync(HttpClient client, string name)
    {
        using var response = await client.GetAsync($"/api/v1/images?limit=500&filter={Uri.EscapeDataString(name)}");
        var body = await response.JsonAsync(HttpStatusCode.OK);
        return body.GetProperty("items").EnumerateArray().Any(i => i.GetProperty("name").GetString() == name);
    }

    private void AssertNoTemporaryFiles() =>
        Assert.True(!Directory.Exists(portal.TemporaryDirectory) || !Directory.EnumerateFileSystemEntries(portal.TemporaryDirectory).Any(),
            $"temporary files left: {string.Join(", ", Directory.EnumerateFileSystemEntries(portal.TemporaryDirectory))}");

    /// <summary>A refused upload leaves no temporary file, no blob of its bytes and no image row.</summary>
    private async Task AssertNothingLeftAsync(string path, string name)
    {
        AssertNoTemporaryFiles();
        Assert.False(File.Exists(portal.BlobPath(ImageFiles.Sha256Of(path))), "the refused bytes were stored as a blob");
        Assert.False(await ListContainsAsync(portal.Member, name), "a refused upload left an image row");
    }

    [Fact]
    public async Task Upload_Qcow2_Returns201WithDetectedFormatSizesAndStoresTheBlobByHash()
    {
        var path = await portal.Files.Qcow2Async(virtualMiB: 16);
        var name = PortalApi.UniqueName("cpk-q");
        var image = await UploadOkAsync(portal.Member, path, name,
            new Dictionary<string, string> { ["os"] = "debian12", ["minMemoryMiB"] = "256", ["minDiskGiB"] = "1", ["description"] = "a test disk" });

        var sha = ImageFiles.Sha256Of(path);
        Assert.Equal(name, image.GetProperty("name").GetString());
        Assert.Equal("qcow2", image.GetProperty("format").GetString());
        Assert.Equal(16L * 1024 * 1024, image.GetProperty("virtualSizeBytes").GetInt64());
        Assert.Equal(new FileInfo(path).Length, image.GetProperty("sizeBytes").GetInt64());
        Assert.Equal(sha, image.GetProperty("sha256").GetString());
        Assert.Equal("private", image.GetProperty("visibility").GetString());
        Assert.Equal("debian12", image.GetProperty("os").GetString());
        Assert.Equal(256, image.GetProperty("minMemoryMiB").GetInt32());
        Assert.False(image.GetProperty("contentReused").GetBoolean());
        Assert.True(File.Exists(portal.BlobPath(sha)));
        Assert.Equal(await File.ReadAllBytesAsync(path), await File.ReadAllBytesAsync(portal.BlobPath(sha)));
        AssertNoTemporaryFiles();

        using var get = await portal.Member.GetAsync($"/api/v1/images/{image.GetProperty("id").GetString()}");
        Assert.Equal(sha, (await get.JsonAsync(HttpStatusCode.OK)).GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task CreateMachine_BelowTheImagesMinimums_Returns400ForMemoryAndDiskAndTemplateToo()
    {
        var path = await portal.Files.Qcow2Async(virtualMiB: 16);
        var image = await UploadOkAsync(portal.Member, path, PortalApi.UniqueName("cpk-min"),
            new Dictionary<string, string> { ["minMemoryMiB"] = "256", ["minDiskGiB"] = "2" });
        var imageId = image.GetProperty("id").GetString();

        using var smallMemory = await portal.Member.PostAsJsonAsync("/api/v1/machines",
            new { name = PortalApi.UniqueName("cpk-min"), vcpus = 1, memoryMiB = 128, imageId });
        var memoryProblem = await smallMemory.ValidationProblemAsync("memoryMiB");
        Assert.Contains("256 MiB", memoryProblem.GetRawText());

        using var smallDisk = await portal.Member.PostAsJsonAsync("/api/v1/machines",
            new { name = PortalApi.UniqueName("cpk-min"), vcpus = 1, memoryMiB = 256, imageId, diskGiB = 1 });
        var diskProblem = await smallDisk.ValidationProblemAsync("diskGiB");
        Assert.Contains("2 GiB", diskProblem.GetRawText());

        using var template = await portal.Member.PostAsJsonAsync("/api/v1/templates",
            new { name = PortalApi.UniqueName("cpk-min"), vcpus = 1, memoryMiB = 64, imageId });
        await template.ValidationProblemAsync("memoryMiB");

        using var machines = await portal.Member.GetAsync("/api/v1/machines?filter=cpk-min&limit=500");
        Assert.Empty((await machines.JsonAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Upload_RawWithoutContentLength_DetectedAsRaw()
    {
        var path = await portal.Files.RawAsync(3 * 1024 * 1024);
        using var response = await UploadAsync(portal.Member, path, PortalApi.UniqueName("cpk-r"), chunked: true);
        var image = await response.JsonAsync(HttpStatusCode.Created);
        Assert.Equal("raw", image.GetProperty("format").GetString());
        Assert.Equal(3L * 1024 * 1024, image.GetProperty("virtualSizeBytes").GetInt64());
        Assert.Equal(ImageFiles.Sha256Of(path), image.GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task Upload_Qcow2WithBackingFile_Refused400AndNothingLeft()
    {
        var baseImage = await portal.Files.Qcow2Async();
        var path = await portal.Files.PlainQcow2Async(16, "-b", baseImage, "-F", "qcow2");
        var name = PortalApi.UniqueName("cpk-b");
        using var response = await UploadAsync(portal.Member, path, name);
        var problem = await response.ValidationProblemAsync("file");
        Assert.Contains("backing file", problem.GetProperty("errors").GetProperty("file")[0].GetString());
        await AssertNothingLeftAsync(path, name);
    }

    [Fact]
    public async Task Upload_Qcow2WithExternalDataFile_Refused400AndNothingLeft()
    {
        var dataFile = portal.Files.PathOf($"cpk-{Guid.NewGuid():N}.data");
        var path = await portal.Files.PlainQcow2Async(16, "-o", $"data_file={dataFile}");
        var name = PortalApi.UniqueName("cpk-d");
        using var response = await UploadAsync(portal.Member, path, name);
        var problem = await response.ValidationProblemAsync("file");
        Assert.Contains("data file", problem.GetProperty("errors").GetProperty("file")[0].GetString());
        await AssertNothingLeftAsync(path, name);
    }

    [Fact]
    public async Task Upload_Garbage_Refused400AndNothingLeft()
    {
        var path = await portal.Files.BytesAsync(System.Text.Encoding.UTF8.GetBytes("this is not a disk image, just some text\n"));
        var name = PortalApi.UniqueName("cpk-g");
        using var response = await UploadAsync(portal.Member, path, name);
        await response.ValidationProblemAsync("file");
        await AssertNothingLeftAsync(path, name);
    }

    [Fact]
    public async Task Upload_TruncatedQcow2_Refused400AndNothingLeft()
    {
        var whole = await portal.Files.Qcow2Async();
        var bytes = await File.ReadAllBytesAsync(whole);
        var path = await portal.Files.BytesAsync(bytes[..(bytes.Length / 2)]);
        var name = PortalApi.UniqueName("cpk-t");
        using var response = await UploadAsync(portal.Member, path, name);
        var problem = await response.ValidationProblemAsync("file");
        Assert.Contains("check", problem.GetProperty("errors").GetProperty("file")[0].GetString());
        await AssertNothingLeftAsync(path, name);
    }

    [Fact]
    public async Task Upload_OtherFormat_Refused400()
    {
        var path = portal.Files.PathOf($"cpk-{Guid.NewGuid():N}.vmdk");
        await ImageFiles.QemuImgAsync(["create", "-f", "vmdk", path, "16M"]);
        var name = PortalApi.UniqueName("cpk-v");
        using var response = await UploadAsync(portal.Member, path, name);
        var problem = await response.ValidationProblemAsync("file");
        Assert.Contains("vmdk", problem.GetProperty("errors").GetProperty("file")[0].GetString());
        await AssertNothingLeftAsync(path, name);
    }

    [Fact]
    public async Task Upload_SameBytesTwice_StoredOnceAndBlobGoesWithTheLastImage()
    {
        var path = await portal.Files.Qcow2Async();
        var sha = ImageFiles.Sha256Of(path);
        var first = await UploadOkAsync(portal.Member, path, PortalApi.UniqueName("cpk-1"));
        var second = await UploadOkAsync(portal.Member, path, PortalApi.UniqueName("cpk-2"));

        Assert.False(first.GetProperty("contentReused").GetBoolean());
        Assert.True(second.GetProperty("contentReused").GetBoolean());
        Assert.Equal(sha, second.GetProperty("sha256").GetString());
        Assert.Single(Directory.EnumerateFiles(portal.ImagesRoot, sha, SearchOption.AllDirectories));

        using (var delete = await portal.Member.DeleteAsync($"/api/v1/images/{first.GetProperty("id").GetString()}"))
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.True(File.Exists(portal.BlobPath(sha)), "the blob went while another image still names it");
        using (var delete = await portal.Member.DeleteAsync($"/api/v1/images/{second.GetProperty("id").GetString()}"))
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.False(File.Exists(portal.BlobPath(sha)), "the blob stayed after its last image was deleted");
        using var gone = await portal.Member.GetAsync($"/api/v1/images/{second.GetProperty("id").GetString()}");
        await gone.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Upload_SameBytesConcurrently_StoredOnce()
    {
        var path = await portal.Files.Qcow2Async(virtualMiB: 64);
        var sha = ImageFiles.Sha256Of(path);
        var uploads = Enumerable.Range(0, 4).Select(i => UploadAsync(portal.Member, path, PortalApi.UniqueName($"cpk-c{i}"))).ToList();
        var responses = await Task.WhenAll(uploads);
        var images = new List<JsonElement>();
        foreach (var response in responses)
        {
            using (response)
                images.Add(await response.JsonAsync(HttpStatusCode.Created));
        }
        Assert.All(images, i => Assert.Equal(sha, i.GetProperty("sha256").GetString()));
        Assert.Single(images, i => !i.GetProperty("contentReused").GetBoolean());
        Assert.Single(Directory.EnumerateFiles(portal.ImagesRoot, sha, SearchOption.AllDirectories));
        Assert.Equal(await File.ReadAllBytesAsync(path), await File.ReadAllBytesAsync(portal.BlobPath(sha)));
        AssertNoTemporaryFiles();
    }

    [Fact]
    public async Task Upload_SameBytesByTwoTenants_StoredOnceEachSeesOnlyItsOwn()
    {
        var path = await portal.Files.Qcow2Async();
        var sha = ImageFiles.Sha256Of(path);
        var mine = await UploadOkAsync(portal.Member, path, PortalApi.UniqueName("cpk-m"));
        var theirs = await UploadOkAsync(portal.Other, path, PortalApi.UniqueName("cpk-o"));

        Assert.True(theirs.GetProperty("contentReused").GetBoolean());
        Assert.Equal(portal.OtherTenantId, theirs.GetProperty("tenantId").GetGuid());
        Assert.Single(Directory.EnumerateFiles(portal.ImagesRoot, sha, SearchOption.AllDirectories));
        Assert.False(await ListContainsAsync(portal.Other, mine.GetProperty("name").GetString()!));
        Assert.False(await ListContainsAsync(portal.Member, theirs.GetProperty("name").GetString()!));
    }

    [Fact]
    public async Task GetDeletePatch_OtherTenantsPrivateImage_404()
    {
        var image = await UploadOkAsync(portal.Member, await portal.Files.Qcow2Async(), PortalApi.UniqueName("cpk-p"));
        var id = image.GetProperty("id").GetString();

        using (var get = await portal.Other.GetAsync($"/api/v1/images/{id}"))
            await get.ProblemAsync(HttpStatusCode.NotFound);
        using (var patch = await portal.Other.PatchAsync($"/api/v1/images/{id}", new StringContent("""{"name":"stolen"}""", System.Text.Encoding.UTF8, "application/json")))
            await patch.ProblemAsync(HttpStatusCode.NotFound);
        using (var delete = await portal.Other.DeleteAsync($"/api/v1/images/{id}"))
            await delete.ProblemAsync(HttpStatusCode.NotFound);
        using var still = await portal.Member.GetAsync($"/api/v1/images/{id}");
        await still.JsonAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task FindForCaller_OwnTenantsImage_ContentWithBlobPath_OtherTenantOrMissing_Null()
    {
        var path = await portal.Files.Qcow2Async(virtualMiB: 32);
        var image = await UploadOkAsync(portal.Member, path, PortalApi.UniqueName("cpk-src"));
        var id = image.GetProperty("id").GetGuid();
        var source = portal.Factory.Services.GetRequiredService<CloudPortal.Core.Images.IImageContentSource>();
        var own = new CloudPortal.Core.Common.Caller(Guid.NewGuid(), "cpk-own", image.GetProperty("tenantId").GetGuid(), "member");
        var other = new CloudPortal.Core.Common.Caller(Guid.NewGuid(), "cpk-other", portal.OtherTenantId, "member");

        var content = await source.FindForCallerAsync(own, id, CancellationToken.None);
        Assert.NotNull(content);
        var sha = ImageFiles.Sha256Of(path);
        Assert.Equal(new CloudPortal.Core.Images.ImageContent(id, image.GetProperty("name").GetString()!, sha,
            CloudPortal.Core.Images.ImageFormat.Qcow2, 32L * 1024 * 1024, new FileInfo(path).Length, portal.BlobPath(sha)), content);
        Assert.True(File.Exists(content.BlobPath));
        Assert.Null(await source.FindForCallerAsync(other, id, CancellationToken.None));
        Assert.Null(await source.FindForCallerAsync(own, Guid.NewGuid(), CancellationToken.None));
    }

    [Fact]
    public async Task PublicImage_OnlyAdminsPublish_EveryTenantSeesIt()
    {
        var path = await portal.Files.Qcow2Async();
        using (var refused = await UploadAsync(portal.Member, path, PortalApi.UniqueName("cpk-x"), new Dictionary<string, string> { ["visibility"] = "public" }))
            await refused.ProblemAsync(HttpStatusCode.Forbidden);
        AssertNoTemporaryFiles();

        var name = PortalApi.UniqueName("cpk-pub");
        var image = await UploadOkAsync(portal.Admin, path, name, new Dictionary<string, string> { ["visibility"] = "public" });
        Assert.Equal("public", image.GetProperty("visibility").GetString());
        Assert.True(await ListContainsAsync(portal.Other, name));
        using (var get = await portal.Other.GetAsync($"/api/v1/images/{image.GetProperty("id").GetString()}"))
            await get.JsonAsync(HttpStatusCode.OK);
        // Seen, but the cloud's: a tenant's member may not delete it.
        using var delete = await portal.Other.DeleteAsync($"/api/v1/images/{image.GetProperty("id").GetString()}");
        await delete.ProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Upload_Viewer_Refused403AndNothingLeft()
    {
        var path = await portal.Files.Qcow2Async();
        var name = PortalApi.UniqueName("cpk-w");
        using var response = await UploadAsync(portal.Viewer, path, name);
        await response.ProblemAsync(HttpStatusCode.Forbidden);
        await AssertNothingLeftAsync(path, name);
        // The role is refused before the form is read: bad fields do not turn the 403 into a 400.
        using var badFields = await UploadAsync(portal.Viewer, path, name, new Dictionary<string, string> { ["minMemoryMiB"] = "lots" });
        await badFields.ProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Upload_OverDiskQuota_Refused409BeforeStoring()
    {
        var path = await portal.Files.Qcow2Async();
        var name = PortalApi.UniqueName("cpk-quota");
        using var response = await UploadAsync(portal.NoDisk, path, name);
        var problem = await response.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("disk", problem.GetProperty("detail").GetString());
        await AssertNothingLeftAsync(path, name);
    }

    [Fact]
    public async Task Upload_WithoutContentLengthBeyondDiskQuota_Refused409WhileStreamingAndNothingLeft()
    {
        // 1 GiB + 4 MiB generated on the fly and sent chunked: no size is announced, so only the running count can stop it.
        const long size = 1024L * 1024 * 1024 + 4 * 1024 * 1024;
        var name = PortalApi.UniqueName("cpk-stream");
        using var form = new MultipartFormDataContent { { new StringContent(name), "name" } };
        var file = new StreamContent(new GeneratedDisk(size), 1024 * 1024);
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", "big.raw");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        using var response = await portal.OneGiB.PostAsync("/api/v1/images", form, cancel.Token);
        var problem = await response.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("disk", problem.GetProperty("detail").GetString());
        AssertNoTemporaryFiles();
        Assert.False(await ListContainsAsync(portal.OneGiB, name));
    }

    /// <summary>A raw disk of the given size whose bytes are made as they are read; its length is not announced.</summary>
    private sealed class GeneratedDisk(long length) : Stream
    {
        private long _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            for (var i = 0; i < n; i++)
                buffer[offset + i] = _position + i < 512 ? (byte)0 : (byte)((_position + i) % 251);
            _position += n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public async Task Upload_MissingNameOrFile_400NamingTheField()
    {
        using (var noName = new MultipartFormDataContent { { new StringContent("x"), "os" } })
        using (var response = await portal.Member.PostAsync("/api/v1/images", noName))
            await response.ValidationProblemAsync("name");
        using (var noFile = new MultipartFormDataContent { { new StringContent(PortalApi.UniqueName("cpk-nofile")), "name" } })
        using (var response = await portal.Member.PostAsync("/api/v1/images", noFile))
            await response.ValidationProblemAsync("file");
        using var notMultipart = await portal.Member.PostJsonAsync("/api/v1/images", """{"name":"x"}""");
        await notMultipart.ProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Upload_DuplicateNameInTenant_409AndNoBlobLeft()
    {
        var name = PortalApi.UniqueName("cpk-dup");
        await UploadOkAsync(portal.Member, await portal.Files.Qcow2Async(), name);
        var second = await portal.Files.Qcow2Async();
        using var response = await UploadAsync(portal.Member, second, name);
        await response.ProblemAsync(HttpStatusCode.Conflict);
        Assert.False(File.Exists(portal.BlobPath(ImageFiles.Sha256Of(second))), "the refused upload's blob stayed");
        AssertNoTemporaryFiles();
    }

    [Fact]
    public async Task Delete_ImageUsedByMachine_409NamingTheMachine()
    {
        var image = await UploadOkAsync(portal.Member, await portal.Files.Qcow2Async(), PortalApi.UniqueName("cpk-u"));
        var machineName = PortalApi.UniqueName("cpk-vm");
        var machine = await portal.Member.CreateRunningMachineAsync(machineName);
        // The storage work records which image a machine's disk came from; here the column is set as it will.
        var database = portal.Factory.Services.GetRequiredService<SqliteDatabase>();
        await using (var connection = await database.OpenForWriteAsync(CancellationToken.None))
            await connection.ExecuteAsync("UPDATE machines SET image_id = @image WHERE id = @id",
                new { image = image.GetProperty("id").GetString(), id = machine.GetProperty("id").GetString() });

        using var delete = await portal.Member.DeleteAsync($"/api/v1/images/{image.GetProperty("id").GetString()}");
        var problem = await delete.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains(machineName, problem.GetProperty("detail").GetString());
        Assert.True(File.Exists(portal.BlobPath(image.GetProperty("sha256").GetString()!)));
    }

    [Fact]
    public async Task List_PagesWithCursor()
    {
        var prefix = PortalApi.UniqueName("cpk-page");
        for (var i = 0; i < 3; i++)
            await UploadOkAsync(portal.Member, await portal.Files.RawAsync(512 * 8), $"{prefix}-{i}");
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            using var response = await portal.Member.GetAsync($"/api/v1/images?limit=2&filter={prefix}" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"));
            var page = await response.JsonAsync(HttpStatusCode.OK);
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()!));
            cursor = page.GetProperty("next").ValueKind == JsonValueKind.Null ? null : page.GetProperty("next").GetString();
        } while (cursor is not null);
        Assert.Equal([$"{prefix}-2", $"{prefix}-1", $"{prefix}-0"], seen);
    }

    [Fact]
    public async Task Upload_OverSizeLimit_413WithOrWithoutContentLength()
    {
        await using var limited = portal.Factory.WithWebHostBuilder(b => b.UseSetting("CloudPortal:Images:MaxUploadBytes", (1024 * 1024).ToString()));
        using var client = limited.CreateClient();
        client.DefaultRequestHeaders.Authorization = portal.Member.DefaultRequestHeaders.Authorization;
        var path = await portal.Files.RawAsync(3 * 1024 * 1024);
        foreach (var chunked in new[] { false, true })
        {
            var name = PortalApi.UniqueName("cpk-big");
            using var response = await UploadAsync(client, path, name, chunked: chunked);
            await response.ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
            await AssertNothingLeftAsync(path, name);
        }
    }

    [Fact]
    public async Task Patch_ChangesMetadata_MemberMayNotPublish()
    {
        var image = await UploadOkAsync(portal.Member, await portal.Files.Qcow2Async(), PortalApi.UniqueName("cpk-e"));
        var id = image.GetProperty("id").GetString();
        var newName = PortalApi.UniqueName("cpk-renamed");
        using (var patch = await portal.Member.PatchAsync($"/api/v1/images/{id}",
                   new StringContent($$"""{"name":"{{newName}}","os":"alpine","minDiskGiB":2}""", System.Text.Encoding.UTF8, "application/json")))
        {
            var body = await patch.JsonAsync(HttpStatusCode.OK);
            Assert.Equal(newName, body.GetProperty("name").GetString());
            Assert.Equal("alpine", body.GetProperty("os").GetString());
            Assert.Equal(2, body.GetProperty("minDiskGiB").GetInt32());
        }
        using (var publish = await portal.Member.PatchAsync($"/api/v1/images/{id}",
                   new StringContent("""{"visibility":"public"}""", System.Text.Encoding.UTF8, "application/json")))
            await publish.ProblemAsync(HttpStatusCode.Forbidden);
        using var bad = await portal.Member.PatchAsync($"/api/v1/images/{id}",
            new StringContent("""{"visibility":"everyone","minMemoryMiB":-1}""", System.Text.Encoding.UTF8, "application/json"));
        var problem = await bad.ValidationProblemAsync("visibility");
        Assert.True(problem.GetProperty("errors").TryGetProperty("minMemoryMiB", out _));
    }
}
