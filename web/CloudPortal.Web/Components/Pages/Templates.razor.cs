using CloudPortal.Core.CloudInit;
using CloudPortal.Core.Common;
using CloudPortal.Core.Images;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Networks;
using CloudPortal.Core.Sizes;
using CloudPortal.Web.Accounts;
using CloudPortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace CloudPortal.Web.Components.Pages;

public partial class Templates : PortalPageBase
{
    [Inject] private TemplateService Service { get; set; } = default!;
    [Inject] private SizeService Sizes { get; set; } = default!;
    [Inject] private ImageCatalogue Images { get; set; } = default!;
    [Inject] private NetworkService Networks { get; set; } = default!;
    [Inject] private SshKeyService Keys { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;

    private bool _mayChange;
    private IReadOnlyList<MachineTemplate> _templates = [];
    private IReadOnlyList<CloudPortal.Core.Sizes.Size> _sizes = [];
    private IReadOnlyList<Image> _images = [];
    private IReadOnlyList<TenantNetwork> _networks = [];
    private IReadOnlyList<SshKey> _keys = [];
    private string? _filter, _name, _userData;
    private Guid? _sizeId, _imageId, _networkId;
    private int _vcpus = 1, _memoryMiB = 128;
    private int? _diskGiB;
    private IReadOnlyCollection<Guid> _sshKeyIds = [];
    private IReadOnlyDictionary<string, string[]> _errors = new Dictionary<string, string[]>();

    protected override async Task OnInitializedAsync()
    {
        await ResolveCallerAsync();
        _mayChange = Roles.MayChangeMachines(Caller.Role);
        _sizes = await Sizes.OfferedAsync(Caller, Closing);
        _images = (await Images.ListAsync(Caller, new PageRequest(PageRequest.MaxLimit, null), Closing)).Items;
        _networks = (await Networks.ListAsync(Caller, new PageRequest(PageRequest.MaxLimit, null), Closing)).Items;
        _keys = await Keys.ListAsync(Caller, Closing);
        await ReloadAsync();
    }

    private async Task ReloadAsync() => _templates = await Service.ListAsync(Caller, Closing);

    // The chosen keys show by name in the field, not as their ids.
    private string? KeyName(Guid id) => _keys.FirstOrDefault(k => k.Id == id)?.Name ?? id.ToString();

    private bool Has(string field) => _errors.ContainsKey(field);
    private string? ErrorOf(string field) => _errors.TryGetValue(field, out var m) ? string.Join(" ", m) : null;

    private bool Matches(MachineTemplate template) =>
        string.IsNullOrWhiteSpace(_filter) || template.Name.Contains(_filter, StringComparison.OrdinalIgnoreCase);

    private async Task CreateAsync()
    {
        _errors = new Dictionary<string, string[]>();
        Busy = true;
        try
        {
            var template = await Service.CreateAsync(Caller, new TemplateRequest(_name, null, _imageId?.ToString(), _sizeId,
                _sizeId is null ? _vcpus : null, _sizeId is null ? _memoryMiB : null, _imageId is null ? null : _diskGiB, _networkId,
                _imageId is null ? null : _sshKeyIds.ToList(), null,
                _imageId is null || string.IsNullOrWhiteSpace(_userData) ? null : _userData.Replace("\r\n", "\n"), null, null), Closing);
            Snackbar.Add($"Template '{template.Name}' saved.", Severity.Success);
            _name = null;
            await ReloadAsync();
        }
        catch (ValidationFailedException ex)
        {
            _errors = ex.Errors;
        }
        catch (Exception ex) when (UserFacingError.TryDescribe(ex, out var message))
        {
            Snackbar.Add(message, Severity.Error);
        }
        finally
        {
            Busy = false;
        }
    }

    private async Task LaunchAsync(MachineTemplate template)
    {
        if (await LaunchTemplateDialog.AskAsync(Dialogs, Caller, template) is not { } result)
            return;
        Snackbar.Add($"{result.Created.Count} machine(s) launched from '{template.Name}'" +
            (result.NotCreated.Count == 0 ? "." : $"; not created: {string.Join("; ", result.NotCreated)}"),
            result.NotCreated.Count == 0 ? Severity.Success : Severity.Warning);
        Navigation.NavigateTo("/machines");
    }

    private async Task DeleteAsync(MachineTemplate template)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync("Delete template", $"Delete template '{template.Name}'? Machines launched from it stay.",
            yesText: "Delete", cancelText: "Cancel");
        if (confirmed != true)
            return;
        try
        {
            await Service.DeleteAsync(Caller, template.Id, Closing);
            Snackbar.Add($"Template '{template.Name}' deleted.", Severity.Success);
        }
        catch (Exception ex) when (UserFacingError.TryDescribe(ex, out var message))
        {
            Snackbar.Add(message, Severity.Error);
        }
        await ReloadAsync();
    }
}
