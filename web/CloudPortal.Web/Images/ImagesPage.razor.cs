using System.Globalization;
using System.Text.Json;
using CloudPortal.Core.Common;
using CloudPortal.Core.Images;
using CloudPortal.Web.Accounts;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.JSInterop;
using MudBlazor;

namespace CloudPortal.Web.Images;

public sealed partial class ImagesPage
{
    [Inject] private ImageCatalogue Catalogue { get; set; } = default!;
    [Inject] private UploadTokens UploadTokens { get; set; } = default!;
    [Inject] private IJSRuntime Js { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private ILogger<ImagesPage> Log { get; set; } = default!;
    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private readonly CancellationTokenSource _disposed = new();
    private readonly HashSet<Guid> _busy = [];
    private MudTable<Image>? _table;
    private Caller _caller = default!;
    private bool _mayChange;
    private string? _filter;
    private ImageStorageSummary? _summary;

    private ElementReference _fileInput;
    private IJSObjectReference? _module;
    private DotNetObjectReference<ImagesPage>? _self;
    private ChosenFile? _file;
    private string? _name, _os, _description;
    private string _visibility = "private";
    private int? _minMemoryMiB, _minDiskGiB;
    private bool _uploading;
    private string? _uploadId;
    private long _loaded, _total;
    private string? _uploadError;

    private sealed record ChosenFile(string Name, long Size);

    protected override async Task OnInitializedAsync()
    {
        _caller = (await AuthenticationState).User.ToCaller();
        _mayChange = Roles.MayChangeMachines(_caller.Role);
        await RefreshSummaryAsync();
    }

    private async Task<TableData<Image>> LoadAsync(TableState state, CancellationToken ct)
    {
        // Keyset pages are walked up to the requested one, so that the page uses the API's own cursors.
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _disposed.Token);
        string? cursor = null;
        Page<Image> page = new([], null);
        for (var i = 0; i <= state.Page; i++)
        {
            page = await Catalogue.ListAsync(_caller, new PageRequest(state.PageSize, cursor, _filter), linked.Token);
            cursor = page.Next;
            if (cursor is null && i < state.Page)
                break;
        }
        var total = state.Page * state.PageSize + page.Items.Count + (page.Next is null ? 0 : 1);
        return new TableData<Image> { Items = page.Items, TotalItems = total };
    }

    private async Task OnFilterChanged(string? filter)
    {
        _filter = string.IsNullOrWhiteSpace(filter) ? null : filter;
        if (_table is not null)
            await _table.ReloadServerData();
    }

    private async Task RefreshSummaryAsync() => _summary = await Catalogue.SummaryAsync(_caller, _disposed.Token);

    private bool MayDelete(Image image) =>
        _mayChange && (_caller.IsAdmin || (image.Visibility == ImageVisibility.Private && image.TenantId == _caller.TenantId));

    private async Task<IJSObjectReference> ModuleAsync() =>
        _module ??= await Js.InvokeAsync<IJSObjectReference>("import", _disposed.Token, "./js/image-upload.js");

    private async Task OnFileChosenAsync(ChangeEventArgs _)
    {
        var module = await ModuleAsync();
        var info = await module.InvokeAsync<JsonElement?>("fileInfo", _disposed.Token, _fileInput);
        _file = info is { ValueKind: JsonValueKind.Object } f
            ? new ChosenFile(f.GetProperty("name").GetString() ?? "", f.GetProperty("size").GetInt64())
            : null;
        _uploadError = null;
        if (_file is not null && string.IsNullOrWhiteSpace(_name))
        {
            var name = Path.GetFileNameWithoutExtension(_file.Name);
            _name = name.Length > ImageRules.MaxNameLength ? name[..ImageRules.MaxNameLength] : name;
        }
        if (_file is not null && _file.Size > Catalogue.MaxUploadBytes)
            _uploadError = $"The file is {Bytes(_file.Size)}; the largest upload accepted is {Bytes(Catalogue.MaxUploadBytes)}.";
    }

    private async Task StartUploadAsync()
    {
        _uploadError = null;
        try
        {
            var token = await UploadTokens.IssueAsync(_caller, _disposed.Token);
            var module = await ModuleAsync();
            _self ??= DotNetObjectReference.Create(this);
            _uploadId = Guid.NewGuid().ToString("N");
            _loaded = 0;
            _total = _file?.Size ?? 0;
            _uploading = true;
            var fields = new Dictionary<string, string?>
            {
                ["name"] = _name?.Trim(),
                ["visibility"] = _visibility,
                ["os"] = _os,
                ["minMemoryMiB"] = _minMemoryMiB?.ToString(CultureInfo.InvariantCulture),
                ["minDiskGiB"] = _minDiskGiB?.ToString(CultureInfo.InvariantCulture),
                ["description"] = _description,
            };
            await module.InvokeVoidAsync("start", _disposed.Token, _uploadId, _fileInput, "api/v1/images", token, fields, _self);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _uploading = false;
            _uploadError = UserFacingMessage(ex);
        }
    }

    private async Task CancelUploadAsync()
    {
        if (_module is not null && _uploadId is not null)
            await _module.InvokeVoidAsync("cancel", _disposed.Token, _uploadId);
    }

    [JSInvokable]
    public Task OnUploadProgress(string id, long loaded, long total) => InvokeAsync(() =>
    {
        if (id != _uploadId)
            return;
        _loaded = loaded;
        _total = total;
        StateHasChanged();
    });

    [JSInvokable]
    public Task OnUploadFinished(string id, int status, string body) => InvokeAsync(async () =>
    {
        if (id != _uploadId)
            return;
        _uploading = false;
        _uploadId = null;
        if (status == 201)
        {
            var reused = false;
            try
            {
                using var document = JsonDocument.Parse(body);
                reused = document.RootElement.TryGetProperty("contentReused", out var r) && r.ValueKind == JsonValueKind.True;
            }
            catch (JsonException)
            {
            }
            Snackbar.Add(reused ? $"Image '{_name}' added; its content was already stored, so it took no more space." : $"Image '{_name}' uploaded.", Severity.Success);
            _name = _os = _description = null;
            _minMemoryMiB = _minDiskGiB = null;
            _file = null;
            if (_module is not null)
                await _module.InvokeVoidAsync("clear", _disposed.Token, _fileInput);
            await RefreshSummaryAsync();
            if (_table is not null)
                await _table.ReloadServerData();
        }
        else
        {
            _uploadError = ProblemMessage(status, body);
        }
        StateHasChanged();
    });

    private async Task DeleteAsync(Image image)
    {
        if (await Dialogs.ShowMessageBoxAsync("Delete image",
                $"Delete '{image.Name}'? Machines already made from it are refused; its stored content goes when no other image uses it.",
                yesText: "Delete", cancelText: "Cancel") != true)
            return;
        _busy.Add(image.Id);
        try
        {
            await Catalogue.DeleteAsync(_caller, image.Id, _disposed.Token);
            Snackbar.Add($"Image '{image.Name}' deleted.", Severity.Success);
            await RefreshSummaryAsync();
            if (_table is not null)
                await _table.ReloadServerData();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Snackbar.Add(UserFacingMessage(ex), Severity.Error);
        }
        finally
        {
            _busy.Remove(image.Id);
        }
    }

    private string UserFacingMessage(Exception ex)
    {
        if (ex is ConflictException or ForbiddenException or NotFoundException or ValidationFailedException or Core.Quotas.QuotaExceededException)
            return ex.Message;
        Log.LogError(ex, "Image page action failed");
        return "Something went wrong; it has been logged.";
    }

    /// <summary>The detail of the API's problem answer, with its field errors.</summary>
    private static string ProblemMessage(int status, string body)
    {
        if (status == 0)
            return body;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
                return string.Join(" ", errors.EnumerateObject().SelectMany(e => e.Value.EnumerateArray().Select(m => m.GetString())));
            if (root.TryGetProperty("detail", out var detail) && detail.GetString() is { Length: > 0 } text)
                return text;
            if (root.TryGetProperty("title", out var title))
                return $"{title.GetString()} ({status}).";
        }
        catch (JsonException)
        {
        }
        return $"The upload failed with status {status}.";
    }

    private double ProgressPercent => _total > 0 ? 100.0 * _loaded / _total : 0;

    private string ProgressText => _total > 0 && _loaded >= _total
        ? "Sent; the portal is checking the image…"
        : $"{Bytes(_loaded)} of {Bytes(_total)} ({ProgressPercent:0}%)";

    private string SavedPercent => _summary is { LogicalBytes: > 0 } s ? $"({100.0 * s.SavedBytes / s.LogicalBytes:0.#}%)" : "";

    public static string Bytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes} B" : $"{value.ToString("0.##", CultureInfo.InvariantCulture)} {units[unit]}";
    }

    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync();
        if (_module is not null)
        {
            try
            {
                if (_uploadId is not null)
                    await _module.InvokeVoidAsync("cancel", CancellationToken.None, _uploadId);
                await _module.DisposeAsync();
            }
            catch (JSDisconnectedException)
            {
            }
        }
        _self?.Dispose();
        _disposed.Dispose();
    }
}
