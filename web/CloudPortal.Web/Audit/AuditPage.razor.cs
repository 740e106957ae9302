using CloudPortal.Core.Audit;
using CloudPortal.Core.Common;
using CloudPortal.Web.Accounts;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace CloudPortal.Web.Audit;

public sealed partial class AuditPage
{
    private static readonly string[] ActionChoices =
    [
        AuditActions.SignIn, AuditActions.TokenIssue, "machine", AuditActions.MachineCreate, AuditActions.MachineDelete, AuditActions.HostAdd, AuditActions.HostUpdate,
    ];

    [Inject] private AuditService Audit { get; set; } = default!;
    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private readonly CancellationTokenSource _disposed = new();
    private MudTable<AuditEntry>? _table;
    private Caller _caller = default!;
    private DateRange? _range;
    private string? _user, _action, _result, _text;
    // Keyset cursors of the pages seen so far (index = page number), so paging forward and back costs one query.
    private readonly List<string?> _cursors = [null];
    private int _pageSize;

    protected override async Task OnInitializedAsync() => _caller = (await AuthenticationState).User.ToCaller();

    private AuditQuery Query => new()
    {
        From = _range?.Start is { } start ? new DateTimeOffset(DateTime.SpecifyKind(start.Date, DateTimeKind.Utc)) : null,
        // The picker's end day is included: the query's To is exclusive.
        To = _range?.End is { } end ? new DateTimeOffset(DateTime.SpecifyKind(end.Date.AddDays(1), DateTimeKind.Utc)) : null,
        User = _user, ActionPrefix = _action, Result = _result, Text = _text,
    };

    private string ExportUrl
    {
        get
        {
            var query = Query;
            var parts = new List<string>();
            void Add(string name, string? value)
            {
                if (!string.IsNullOrWhiteSpace(value))
                    parts.Add($"{name}={Uri.EscapeDataString(value)}");
            }
            Add("from", query.From?.ToString("yyyy-MM-dd"));
            Add("to", query.To?.ToString("yyyy-MM-dd"));
            Add("user", query.User);
            Add("action", query.ActionPrefix);
            Add("result", query.Result);
            Add("q", query.Text);
            return "/audit/export.csv" + (parts.Count > 0 ? "?" + string.Join('&', parts) : "");
        }
    }

    private async Task<TableData<AuditEntry>> LoadAsync(TableState state, CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _disposed.Token);
        if (state.PageSize != _pageSize)
        {
            _pageSize = state.PageSize;
            ResetCursors();
        }
        var query = Query;
        // Walks forward from the last known cursor only when the pager jumps past pages not seen yet.
        var known = Math.Min(state.Page, _cursors.Count - 1);
        Page<AuditEntry> page = new([], null);
        for (var i = known; i <= state.Page; i++)
        {
            page = await Audit.QueryAsync(_caller, query, new PageRequest(state.PageSize, _cursors[i]), linked.Token);
            if (_cursors.Count == i + 1)
                _cursors.Add(page.Next);
            if (page.Next is null && i < state.Page)
                break;
        }
        var total = state.Page * state.PageSize + page.Items.Count + (page.Next is null ? 0 : 1);
        return new TableData<AuditEntry> { Items = page.Items, TotalItems = total };
    }

    private void ResetCursors()
    {
        _cursors.Clear();
        _cursors.Add(null);
    }

    private Task OnRangeChanged(DateRange? range) { _range = range; return ReloadAsync(); }
    private Task OnUserChanged(string? value) { _user = value; return ReloadAsync(); }
    private Task OnActionChanged(string? value) { _action = value; return ReloadAsync(); }
    private Task OnResultChanged(string? value) { _result = value; return ReloadAsync(); }
    private Task OnTextChanged(string? value) { _text = value; return ReloadAsync(); }

    private async Task ReloadAsync()
    {
        ResetCursors();
        if (_table is not null)
            await _table.ReloadServerData();
    }

    private static Color ResultColor(string result) => result switch
    {
        AuditResults.Succeeded => Color.Success,
        AuditResults.Failed => Color.Error,
        AuditResults.Denied => Color.Warning,
        _ => Color.Default,
    };

    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync();
        _disposed.Dispose();
    }
}
