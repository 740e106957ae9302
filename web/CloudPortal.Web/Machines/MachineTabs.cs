using Microsoft.AspNetCore.Components;

namespace CloudPortal.Web.Machines;

/// <summary>
/// A tab of the machine page that a feature adds (Console, Disks, Snapshots...): the page renders every registered tab
/// after its own, in <see cref="Order"/>, and nothing for a feature that is not there. The component gets the
/// parameters <c>MachineId</c> (Guid) and <c>Caller</c> (CloudPortal.Core.Common.Caller).
/// </summary>
public sealed record MachineTab(string Title, Type Component, int Order);

public static class MachineTabExtensions
{
    /// <summary>Adds a tab to the machine page, e.g. <c>services.AddMachineTab&lt;ConsoleTab&gt;("Console", 10)</c>.</summary>
    public static IServiceCollection AddMachineTab<TComponent>(this IServiceCollection services, string title, int order)
        where TComponent : IComponent =>
        services.AddSingleton(new MachineTab(title, typeof(TComponent), order));
}
