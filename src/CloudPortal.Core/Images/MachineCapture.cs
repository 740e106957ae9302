using CloudPortal.Core.Audit;
using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Operations;
using CloudPortal.Core.Storage;
using LibvirtSharp;
using Microsoft.Extensions.Logging;

namespace CloudPortal.Core.Images;

/// <summary>
/// Captures a stopped machine's root disk as a new private image of its tenant: the overlay is flattened on the host
/// (libvirt copies it with qemu-img convert, which reads through the backing image), the copy is downloaded through a
/// libvirt stream and goes into the catalogue like any upload (hashed, inspected, deduplicated, within quota). The
/// machine is held against starts only while the flattened copy is made.
/// </summary>
public sealed class MachineCapture(MachineService machines, IOperationStore operations, OperationExecutor executor, HostConnections connections,
    MachineDisks disks, ImageCatalogue catalogue, IAuditLog audit, ILogger<MachineCapture> log)
{
    /// <summary>The temporary copy's name in the host's pool; one the portal crashed before removing is collected later (<see cref="OrphanDiskCollector"/>).</summary>
    public static string CaptureVolumeName(Guid operationId) => MachineDisks.CaptureName(operationId);

    public async Task<Operation> CaptureAsync(Caller caller, Guid machineId, string? name, string? description, CancellationToken ct)
    {
        var machine = await machines.GetAsync(caller, machineId, ct);
        return await audit.RunAsync(caller, "machine.capture", "machine", machine.Id.ToString(), machine.Name, async () =>
        {
            var metadata = new ImageMetadata(Name: name, Visibility: "private", Description: description);
            catalogue.CheckUpload(caller, metadata, null);
            var claim = machines.Claim(machine, "capture");
            try
            {
                var current = await machines.GetAsync(caller, machineId, ct);
                MachineActions.EnsureAllowed("capture", [MachineState.Stopped], current);
                var overlay = await disks.VolumePathAsync(current.HostId, MachineDisks.OverlayName(current.DomainUuid), ct)
                    ?? throw new ConflictException($"Machine '{current.Name}' has no disk to capture (it was created without an image).");
                var now = Clock.Now();
                var operation = new Operation
                {
                    Id = Guid.NewGuid(), Kind = OperationKinds.Capture, TenantId = current.TenantId, MachineId = current.Id, UserId = caller.UserId,
                    State = OperationState.Running, Stage = "flatten", CreatedAt = now, UpdatedAt = now,
                };
                await operations.InsertAsync(operation, ct);
                var held = claim;
                claim = null;
                executor.Start(operation.Id, token => RunAsync(caller, current, metadata, operation.Id, held, token));
                return operation;
            }
            finally
            {
                claim?.Dispose();
            }
        }, o => $"operation {o.Id}", ct);
    }

    private async Task RunAsync(Caller caller, Machine machine, ImageMetadata metadata, Guid operationId, IDisposable claim, CancellationToken ct)
    {
        var temporary = Path.Combine(Path.GetTempPath(), $"cloudportal-capture-{operationId:N}.qcow2");
        var volumeName = CaptureVolumeName(operationId);
        try
        {
            await operations.RecordStepAsync(operationId, "flatten", "started", 10, null, ct);
            var size = await connections.RunAsync(machine.HostId, connection =>
            {
                using var pool = disks.EnsurePortalPool(connection);
                using var source = pool.LookupVolumeByName(MachineDisks.OverlayName(machine.DomainUuid))
                    ?? throw new ConflictException($"Machine '{machine.Name}' lost its disk.");
                using (var leftover = pool.LookupVolumeByName(volumeName))
                    leftover?.Delete();
                var capacity = (long)source.GetInfo().CapacityBytes;
                // v3 like an image made with qemu-img today: the copy is then byte for byte what
                // `qemu-img convert -O qcow2` of the disk gives, so captures of the same disk share one blob.
                using var copy = pool.CreateVolumeFrom(
                    StorageXmlBuilder.Volume(new VolumeSpec(volumeName, ImageFormat.Qcow2, capacity, Qcow2Version3: true)), source);
                return (long)copy.GetInfo().AllocationBytes;
            }, ct);
            // The copy stands alone: the machine may start again while it is downloaded and published.
            claim.Dispose();
            await operations.RecordStepAsync(operationId, "flatten", "done", 40, $"{size} bytes allocated", ct);

            await operations.RecordStepAsync(operationId, "download", "started", 45, null, ct);
            long downloaded = await connections.RunAsync(machine.HostId, connection =>
            {
                using var pool = disks.EnsurePortalPool(connection);
                using var copy = pool.LookupVolumeByName(volumeName) ?? throw new InvalidOperationException($"Volume {volumeName} vanished.");
                using var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
                copy.Download(connection, file);
                return file.Length;
            }, ct);
            await operations.RecordStepAsync(operationId, "download", "done", 70, $"{downloaded} bytes", ct);

            await operations.RecordStepAsync(operationId, "publish", "started", 75, null, ct);
            UploadedImage uploaded;
            await using (var file = new FileStream(temporary, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20))
                uploaded = await catalogue.UploadAsync(caller, metadata, file, file.Length, ct);
            await operations.RecordStepAsync(operationId, "publish", "done", 100,
                $"image {uploaded.Image.Id} sha256 {uploaded.Image.Sha256}{(uploaded.ContentReused ? " (content already stored)" : "")}", ct);
            await operations.FinishAsync(operationId, OperationState.Succeeded, null, ct);
            log.LogInformation("Captured machine {Machine} as image {Image} ({Bytes} bytes)", machine.Name, uploaded.Image.Id, uploaded.Image.SizeBytes);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            var message = ex is LibvirtException lex ? lex.LibvirtMessage : ex.Message;
            log.LogWarning("Capturing machine {Machine} failed: {Message}", machine.Name, message);
            await operations.FinishAsync(operationId, OperationState.Failed, message, CancellationToken.None);
        }
        finally
        {
            claim.Dispose();
            File.Delete(temporary);
            try
            {
                await disks.DeleteVolumeAsync(machine.HostId, volumeName, CancellationToken.None);
            }
            catch (Exception ex) when (ex is LibvirtException or HostUnavailableException)
            {
                log.LogWarning("Could not remove capture volume {Volume} from host {Host}: {Message}", volumeName, machine.HostId, ex.Message);
            }
        }
    }
}
