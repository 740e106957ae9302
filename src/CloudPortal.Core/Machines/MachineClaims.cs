using System.Collections.Concurrent;
using CloudPortal.Core.Common;

namespace CloudPortal.Core.Machines;

/// <summary>
/// One change at a time per machine: a change claims the machine before it reads its state and holds the claim until
/// the state it leaves is recorded, so of two changes at once one goes ahead and the other is a 409 naming the first.
/// (In-process: several portal nodes would need the same as a row lock.)
/// </summary>
public sealed class MachineClaims
{
    private readonly ConcurrentDictionary<Guid, string> _held = new();

    /// <summary>Claims the machine for <paramref name="what"/>, or throws a <see cref="ConflictException"/> naming what holds it.</summary>
    public IDisposable Claim(Guid machineId, string name, string what)
    {
        if (!_held.TryAdd(machineId, what))
        {
            var holder = _held.GetValueOrDefault(machineId, "another change");
            throw new ConflictException($"Cannot {what} machine '{name}': it is busy with {holder}; try again when that is done.");
        }
        return new Release(this, machineId);
    }

    public bool IsClaimed(Guid machineId) => _held.ContainsKey(machineId);

    private sealed class Release(MachineClaims owner, Guid machineId) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
                owner._held.TryRemove(machineId, out _);
        }
    }
}
