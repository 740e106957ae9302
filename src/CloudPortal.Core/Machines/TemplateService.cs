using CloudPortal.Core.Audit;
using CloudPortal.Core.CloudInit;
using CloudPortal.Core.Common;
using CloudPortal.Core.Images;
using CloudPortal.Core.Networks;
using CloudPortal.Core.Quotas;
using CloudPortal.Core.Sizes;

namespace CloudPortal.Core.Machines;

/// <summary>
/// Machine templates of a tenant: saved with the same checks a create makes, and launched as 1..N machines after
/// the whole launch is checked against the quota, so a launch that cannot fit creates nothing.
/// </summary>
public sealed class TemplateService(ITemplateStore templates, MachineService machines, SizeService sizes, NetworkService networks,
    SshKeyService sshKeys, IQuotaStore quotas, IAuditLog audit, IImageContentSource? images = null)
{
    public const int MaxDescriptionLength = 500;

    public Task<IReadOnlyList<MachineTemplate>> ListAsync(Caller caller, CancellationToken ct) => templates.ListAsync(caller.TenantId, ct);

    public async Task<MachineTemplate> GetAsync(Caller caller, Guid id, CancellationToken ct)
    {
        var template = await templates.GetAsync(id, ct);
        if (template is null || (template.TenantId != caller.TenantId && !caller.IsAdmin))
            throw new NotFoundException($"Template {id} was not found.");
        return template;
    }

    public Task<MachineTemplate> CreateAsync(Caller caller, TemplateRequest request, CancellationToken ct) =>
        audit.RunAsync(caller, "template.create", "template", null, request.Name, async () =>
        {
            EnsureMayChange(caller);
            var now = Clock.Now();
            var template = await BuildAsync(caller, request, ct) with { Id = Guid.NewGuid(), TenantId = caller.TenantId, CreatedAt = now, UpdatedAt = now };
            await templates.InsertAsync(template, ct);
            return template;
        }, t => $"id {t.Id}, {t.Vcpus} vCPUs, {t.MemoryMiB} MiB", ct);

    public async Task<MachineTemplate> UpdateAsync(Caller caller, Guid id, TemplateRequest request, CancellationToken ct)
    {
        var existing = await GetAsync(caller, id, ct);
        return await audit.RunAsync(caller, "template.update", "template", id.ToString(), existing.Name, async () =>
        {
            EnsureMayChange(caller);
            var template = await BuildAsync(caller, request, ct) with
            {
                Id = existing.Id, TenantId = existing.TenantId, CreatedAt = existing.CreatedAt, UpdatedAt = Clock.Now(),
            };
            if (!await templates.UpdateAsync(template, ct))
                throw new NotFoundException($"Template {id} was not found.");
            return template;
        }, t => $"{t.Vcpus} vCPUs, {t.MemoryMiB} MiB", ct);
    }

    public async Task DeleteAsync(Caller caller, Guid id, CancellationToken ct)
    {
        var existing = await GetAsync(caller, id, ct);
        await audit.RunAsync(caller, "template.delete", "template", id.ToString(), existing.Name, async () =>
        {
            EnsureMayChange(caller);
            if (!await templates.DeleteAsync(id, ct))
                throw new NotFoundException($"Template {id} was not found.");
        }, ct);
    }

    /// <summary>Creates <paramref name="count"/> machines named prefix-1..prefix-N, each as a single create is.</summary>
    public async Task<BatchResult> LaunchAsync(Caller caller, Guid id, int? count, string? namePrefix, CancellationToken ct)
    {
        var template = await GetAsync(caller, id, ct);
        return await audit.RunAsync(caller, "template.launch", "template", id.ToString(), template.Name, async () =>
        {
            EnsureMayChange(caller);
            var errors = new ValidationErrors();
            if (count is null)
                errors.Add("count", "count is required.");
            else if (count is < 1 or > MachineService.MaxBatch)
                errors.Add("count", $"count must be between 1 and {MachineService.MaxBatch}.");
            var prefix = string.IsNullOrWhiteSpace(namePrefix) ? template.Name : namePrefix.Trim();
            var longest = new ValidationErrors();
            MachineRequestRules.ValidateName($"{prefix}-{count ?? 1}", longest);
            if (longest.HasErrors)
                errors.Add("namePrefix", $"namePrefix must be letters, digits or '-' and leave room for '-N' ({MachineRequestRules.MaxNameLength} characters in all).");
            errors.ThrowIfAny();

            // The whole launch against the quota first: a launch that cannot fit creates nothing.
            var diskGiB = await RootDiskGiBAsync(caller, template, ct);
            var view = await quotas.GetViewAsync(caller.TenantId, ct);
            var each = QuotaAmounts.DefinedOf(template.Vcpus, template.MemoryMiB, diskGiB) + QuotaAmounts.RunningOf(template.Vcpus, template.MemoryMiB);
            var all = QuotaAmounts.Zero;
            for (var i = 0; i < count!.Value; i++)
                all += each;
            var violations = QuotaRules.Violations(view.Limits, view.Usage + view.Reserved, all, new MachineSize(template.Vcpus, template.MemoryMiB, diskGiB));
            if (violations.Count > 0)
                throw new QuotaExceededException([$"{count} machines of template '{template.Name}'", .. violations]);

            var created = new List<(Machine, Operations.Operation)>();
            var notCreated = new List<string>();
            for (var i = 1; i <= count; i++)
            {
                var name = $"{prefix}-{i}";
                try
                {
                    created.Add(await machines.CreateAsync(caller, template.RequestFor(name), ct));
                }
                catch (Exception ex) when (ex is ConflictException or HostUnavailableException or NotFoundException or ValidationFailedException)
                {
                    notCreated.Add($"{name}: {ex.Message}");
                }
            }
            if (created.Count == 0)
                throw new ConflictException($"No machine of the launch was created: {string.Join("; ", notCreated)}.");
            return new BatchResult(created, notCreated);
        }, r => $"{r.Created.Count} created, {r.NotCreated.Count} not", ct);
    }

    /// <summary>
    /// The root disk each machine of the template gets, as a create sizes it (the template's size or the image's virtual
    /// size, whichever is bigger); 0 for a diskless template or an image gone since, which each create then refuses.
    /// </summary>
    private async Task<int> RootDiskGiBAsync(Caller caller, MachineTemplate template, CancellationToken ct)
    {
        if (template.ImageId is not { } imageId || images is null)
            return 0;
        var image = await images.FindForCallerAsync(caller, imageId, ct);
        return image is null ? 0 : (int)QuotaAmounts.GiBOf(Storage.MachineDisks.CapacityBytes(image, template.DiskGiB));
    }

    /// <summary>The template a request describes, checked as a create would be: sizes, image, network, keys, user-data.</summary>
    private async Task<MachineTemplate> BuildAsync(Caller caller, TemplateRequest request, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        int? vcpus = request.Vcpus, memoryMiB = request.MemoryMiB, diskGiB = request.DiskGiB;
        if (request.SizeId is { } sizeId)
        {
            var size = (await sizes.OfferedAsync(caller, ct)).FirstOrDefault(s => s.Id == sizeId);
            if (size is null)
                throw ValidationFailedException.For("sizeId", $"Size {sizeId} is not offered to this tenant.");
            vcpus ??= size.Vcpus;
            memoryMiB ??= size.MemoryMiB;
            diskGiB ??= size.DiskGiB == 0 ? null : size.DiskGiB;
        }
        if (request.Description is { Length: > MaxDescriptionLength })
            errors.Add("description", $"description must be at most {MaxDescriptionLength} characters.");
        ValidMachineRequest valid;
        try
        {
            valid = MachineRequestRules.Validate(new MachineRequest(request.Name, vcpus, memoryMiB, request.Labels, request.PlacementGroupId,
                request.ImageId, request.ImageId is null ? null : diskGiB));
        }
        catch (ValidationFailedException ex)
        {
            foreach (var (field, messages) in ex.Errors)
                foreach (var message in messages)
                    errors.Add(field, message);
            errors.ThrowIfAny();
            throw;
        }
        if (valid.ImageId is { } imageId)
        {
            if ((images is null ? null : await images.FindForCallerAsync(caller, imageId, ct)) is { } image)
                Images.ImageRequirements.Check(image, valid.MemoryMiB, valid.DiskGiB, errors);
            else
                errors.Add("imageId", $"Image {imageId} was not found.");
        }
        if (request.NetworkId is { } networkId)
        {
            try
            {
                await networks.GetAsync(caller, networkId, ct);
            }
            catch (NotFoundException)
            {
                errors.Add("networkId", $"Network {networkId} was not found.");
            }
        }
        var keys = new List<string>();
        if (request.SshKeyIds is { Count: > 0 } ids)
        {
            try
            {
                keys.AddRange(await sshKeys.ResolveAsync(caller, ids, ct));
            }
            catch (ValidationFailedException ex)
            {
                errors.Add("sshKeyIds", ex.Errors["sshKeyIds"][0]);
            }
        }
        keys.AddRange(request.SshKeys ?? []);
        if ((keys.Count > 0 || request.UserData is not null) && valid.ImageId is null)
            errors.Add("imageId", "SSH keys and user-data reach the guest through cloud-init: the template needs an image.");
        try
        {
            CloudInitSeedRules.Validate(new CloudInitSeed("iid-template", "template", keys, request.UserData));
        }
        catch (ValidationFailedException ex)
        {
            foreach (var (field, messages) in ex.Errors)
                foreach (var message in messages)
                    errors.Add(field == "sshPublicKeys" ? "sshKeys" : field, message);
        }
        errors.ThrowIfAny();
        return new MachineTemplate
        {
            Name = valid.Name, Description = string.IsNullOrWhiteSpace(request.Description) ? null : request.Description.Trim(), ImageId = valid.ImageId,
            Vcpus = valid.Vcpus, MemoryMiB = valid.MemoryMiB, DiskGiB = valid.DiskGiB, NetworkId = request.NetworkId,
            SshKeys = keys.Distinct(StringComparer.Ordinal).ToList(), UserData = request.UserData, Labels = valid.Labels, PlacementGroupId = request.PlacementGroupId,
        };
    }

    private static void EnsureMayChange(Caller caller)
    {
        if (!Roles.MayChangeMachines(caller.Role))
            throw new ForbiddenException($"Role '{caller.Role}' may not change templates or launch machines.");
    }
}
