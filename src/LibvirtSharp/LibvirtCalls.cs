namespace LibvirtSharp;

/// <summary>How every wrapper reads libvirt's int results: negative is failure, read from virError on the same thread.</summary>
internal static class LibvirtCalls
{
    internal static void Check(int result, string operation)
    {
        if (result < 0)
            throw LibvirtException.FromLastError(operation);
    }

    /// <summary>For the virXxxIsYyy calls that answer 1, 0 or -1.</summary>
    internal static bool CheckBool(int result, string operation)
    {
        Check(result, operation);
        return result == 1;
    }
}
