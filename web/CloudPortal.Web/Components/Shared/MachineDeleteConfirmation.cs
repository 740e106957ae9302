using CloudPortal.Core.Common;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Volumes;
using MudBlazor;

namespace CloudPortal.Web.Components.Shared;

/// <summary>What the user chose when asked to delete a machine.</summary>
public enum MachineDeleteChoice
{
    Cancel,
    Delete,
    /// <summary>Delete the machine, keep its data volumes (they become available).</summary>
    DeleteKeepVolumes,
}

/// <summary>
/// The question before a machine is deleted. Data volumes attached to it are deleted with it unless kept, so they are
/// named in the question and keeping them is offered: a user who deletes a machine rarely means to lose its data disks.
/// </summary>
public static class MachineDeleteConfirmation
{
    public static async Task<MachineDeleteChoice> AskAsync(IDialogService dialogs, VolumeService volumes, Caller caller, Machine machine, CancellationToken ct)
    {
        const string plain = "It is powered off and removed from its host with its disks. This cannot be undone.";
        var attached = await volumes.ListForMachineAsync(caller, machine.Id, ct);
        if (attached.Count == 0)
        {
            var confirmed = await dialogs.ShowMessageBoxAsync("Delete machine", $"Delete '{machine.Name}'? {plain}", yesText: "Delete", cancelText: "Cancel");
            return confirmed == true ? MachineDeleteChoice.Delete : MachineDeleteChoice.Cancel;
        }
        var names = string.Join(", ", attached.Select(v => $"'{v.Name}' ({v.SizeGiB} GiB)"));
        var answer = await dialogs.ShowMessageBoxAsync("Delete machine",
            $"Delete '{machine.Name}'? {plain} Attached data volume{(attached.Count == 1 ? "" : "s")} {names}: delete {(attached.Count == 1 ? "it" : "them")} too, or keep {(attached.Count == 1 ? "it" : "them")} for another machine?",
            yesText: "Delete with volumes", noText: "Delete, keep volumes", cancelText: "Cancel");
        return answer switch
        {
            true => MachineDeleteChoice.Delete,
            false => MachineDeleteChoice.DeleteKeepVolumes,
            null => MachineDeleteChoice.Cancel,
        };
    }
}
