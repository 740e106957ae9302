using System.Globalization;
using System.Security.Claims;
using System.Text;
using CloudPortal.Core.Common;
using CloudPortal.Core.Images;
using CloudPortal.Web.Accounts;
using CloudPortal.Web.Api;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace CloudPortal.Web.Images;

public sealed record ImageDto(
    Guid Id, string Name, string Format, long VirtualSizeBytes, long SizeBytes, string Sha256, string Visibility, Guid TenantId,
    string? Os, int? MinMemoryMiB, int? MinDiskGiB, string? Description, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] bool? ContentReused = null)
{
    public static ImageDto From(Image i, bool? contentReused = null) => new(
        i.Id, i.Name, i.Format.ToName(), i.VirtualSizeBytes, i.SizeBytes, i.Sha256, i.Visibility.ToName(), i.TenantId,
        i.Os, i.MinMemoryMiB, i.MinDiskGiB, i.Description, i.CreatedAt, i.UpdatedAt, contentReused);
}

/// <summary>PATCH /images/{id}: every field optional; an empty os or description clears it.</summary>
public sealed record ImagePatchDto(string? Name, string? Visibility, string? Os, int? MinMemoryMiB, int? MinDiskGiB, string? Description);

/// <summary>The multipart form of an upload, for the API description: the text fields first, then the file.</summary>
public sealed record ImageUploadForm(string Name, IFormFile File, string? Visibility, string? Os, int? MinMemoryMiB, int? MinDiskGiB, string? Description);

public static class ImageEndpoints
{
    /// <summary>Room for the multipart framing and text fields around the file.</summary>
    private const long FormOverheadBytes = 1024 * 1024;
    private const int MaxFieldBytes = 4096;

    private static readonly string[] TextFields = ["name", "visibility", "os", "minMemoryMiB", "minDiskGiB", "description"];

    public static RouteGroupBuilder MapImageEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/machines/{id:guid}/capture", async (Guid id, CaptureDto? body, ClaimsPrincipal user, MachineCapture capture,
            IServiceProvider services, CancellationToken ct) =>
        {
            if (body is null)
                throw ValidationFailedException.For("body", "A JSON body with the new image's name is required.");
            var operation = await capture.CaptureAsync(user.ToCaller(), id, body.Name, body.Description, ct);
            return Results.Accepted($"/api/v1/operations/{operation.Id}", await Api.OperationEndpoints.DescribeAsync(operation.Id, services, ct));
        })
        .WithTags("Images")
        .WithSummary("Capture a stopped machine's disk as a new private image (flattened, hashed and deduplicated like an upload): " +
            "202 with the operation; its last step names the image.")
        .Produces<Api.OperationDto>(StatusCodes.Status202Accepted)
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);

        var images = api.MapGroup("/images").WithTags("Images");

        images.MapGet("/", async (int? limit, string? cursor, string? filter, ClaimsPrincipal user, ImageCatalogue catalogue, CancellationToken ct) =>
        {
            var page = await catalogue.ListAsync(user.ToCaller(), PageRequest.Create(limit, cursor, filter), ct);
            return new PageDto<ImageDto>(page.Items.Select(i => ImageDto.From(i)).ToList(), page.Next);
        }).WithSummary("Public images and the tenant's private ones, newest first; ?filter= matches a name or os part, or a format.");

        images.MapGet("/{id:guid}", async (Guid id, ClaimsPrincipal user, ImageCatalogue catalogue, CancellationToken ct) =>
            ImageDto.From(await catalogue.GetAsync(user.ToCaller(), id, ct)))
            .WithSummary("One image.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        images.MapPost("/", UploadAsync)
            .WithSummary("Upload a qcow2 or raw image: multipart/form-data with the text fields (name; visibility public|private, os, "
                + "minMemoryMiB, minDiskGiB, description) before the file. The same bytes uploaded again reuse the stored content.")
            .Accepts<ImageUploadForm>("multipart/form-data")
            .Produces<ImageDto>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);

        images.MapPatch("/{id:guid}", async (Guid id, ImagePatchDto? body, ClaimsPrincipal user, ImageCatalogue catalogue, CancellationToken ct) =>
        {
            var changes = body ?? new ImagePatchDto(null, null, null, null, null, null);
            return ImageDto.From(await catalogue.UpdateAsync(user.ToCaller(), id,
                new ImageMetadata(changes.Name, changes.Visibility, changes.Os, changes.MinMemoryMiB, changes.MinDiskGiB, changes.Description), ct));
        })
        .WithSummary("Change an image's name, visibility (public: admins only), os, minMemoryMiB, minDiskGiB or description.")
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);

        images.MapDelete("/{id:guid}", async (Guid id, ClaimsPrincipal user, ImageCatalogue catalogue, CancellationToken ct) =>
        {
            await catalogue.DeleteAsync(user.ToCaller(), id, ct);
            return Results.NoContent();
        })
        .WithSummary("Delete an image; refused (409, naming them) while machines use it. Its content goes with the last image naming it.")
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    /// <summary>
    /// Streams the multipart body section by section (nothing is buffered: the file goes straight to the content
    /// store), so that uploads of many GiB pass with constant memory.
    /// </summary>
    private static async Task<IResult> UploadAsync(HttpContext http, ClaimsPrincipal user, ImageCatalogue catalogue, CancellationToken ct)
    {
        var caller = user.ToCaller();
        await catalogue.EnsureMayUploadAsync(caller, ct);
        var declared = http.Request.ContentLength;
        if (declared > catalogue.MaxUploadBytes + FormOverheadBytes)
            throw new UploadTooLargeException(catalogue.MaxUploadBytes);
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = catalogue.MaxUploadBytes + FormOverheadBytes;

        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var contentType)
            || !contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(contentType.Boundary).Value is not { Length: > 0 } boundary)
            throw ValidationFailedException.For("body", "Send multipart/form-data with the fields name (and optional visibility, os, minMemoryMiB, minDiskGiB, description) before file.");

        var reader = new MultipartReader(boundary, http.Request.Body);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        MultipartSection? section;
        while ((section = await reader.ReadNextSectionAsync(ct)) is not null)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                throw ValidationFailedException.For("body", "Every part of the form needs a Content-Disposition: form-data header.");
            var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
            if (name == "file")
            {
                var metadata = Metadata(fields);
                var uploaded = await catalogue.UploadAsync(caller, metadata, section.Body, declared, ct);
                return Results.Created($"/api/v1/images/{uploaded.Image.Id}", ImageDto.From(uploaded.Image, uploaded.ContentReused));
            }
            if (!TextFields.Contains(name))
                throw ValidationFailedException.For(name.Length > 0 ? name : "body",
                    $"'{name}' is not a field of an upload; send {string.Join(", ", TextFields)} and file.");
            fields[name] = await ReadFieldAsync(section, name, ct);
        }
        var missing = new Dictionary<string, string[]> { ["file"] = ["file is required: the image's bytes, as the last part of the form."] };
        if (!fields.ContainsKey("name"))
            missing["name"] = ["name is required."];
        throw new ValidationFailedException(missing);
    }

    private static ImageMetadata Metadata(Dictionary<string, string> fields)
    {
        var errors = new ValidationErrors();
        int? Number(string field)
        {
            if (!fields.TryGetValue(field, out var text) || text.Length == 0)
                return null;
            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
                return value;
            errors.Add(field, $"{field} must be a whole number.");
            return null;
        }
        var memory = Number("minMemoryMiB");
        var disk = Number("minDiskGiB");
        if (!fields.ContainsKey("name"))
            errors.Add("name", "name is required, in the form before the file.");
        errors.ThrowIfAny();
        return new ImageMetadata(
            fields.GetValueOrDefault("name"),
            fields.TryGetValue("visibility", out var visibility) && visibility.Length > 0 ? visibility : null,
            fields.GetValueOrDefault("os"),
            memory,
            disk,
            fields.GetValueOrDefault("description"));
    }

    private static async Task<string> ReadFieldAsync(MultipartSection section, string name, CancellationToken ct)
    {
        var buffer = new byte[MaxFieldBytes + 1];
        var filled = 0;
        int read;
        while (filled < buffer.Length && (read = await section.Body.ReadAsync(buffer.AsMemory(filled), ct)) > 0)
            filled += read;
        if (filled > MaxFieldBytes)
            throw ValidationFailedException.For(name, $"{name} is longer than {MaxFieldBytes} bytes.");
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer, 0, filled);
        }
        catch (DecoderFallbackException)
        {
            throw ValidationFailedException.For(name, $"{name} is not UTF-8 text.");
        }
    }
}

/// <summary>The image a capture makes: its name and an optional description.</summary>
public sealed record CaptureDto(string? Name, string? Description);
