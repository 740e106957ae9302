namespace CloudPortal.Core.Common;

/// <summary>
/// A setting the administrator gave (configuration or CLOUDPORTAL_* variable) that the portal cannot work with.
/// The message names the setting and says what a valid value looks like; the portal stops at start with it.
/// </summary>
public sealed class InvalidSettingException(string message) : FormatException(message);
