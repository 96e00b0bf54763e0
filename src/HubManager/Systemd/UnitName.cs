using System.Text;

namespace HubManager.Systemd;

/// <summary>
/// systemd unit names and the D-Bus object paths systemd derives from them.
/// </summary>
public static class UnitName
{
    /// <summary>
    /// True for a plain (non-template) service name systemd accepts: at most 255 characters from
    /// <c>[A-Za-z0-9:_.\-@\\]</c>, a non-empty prefix, and the <c>.service</c> suffix.
    /// </summary>
    public static bool IsValidService(string name)
    {
        const string suffix = ".service";
        if (name.Length > 255 || name.Length <= suffix.Length || !name.EndsWith(suffix, StringComparison.Ordinal))
            return false;
        var prefix = name.AsSpan(0, name.Length - suffix.Length);
        // A template ("foo@.service") names no instance; it cannot be started.
        if (prefix.EndsWith("@"))
            return false;
        foreach (var c in prefix)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is ':' or '_' or '.' or '-' or '@' or '\\'))
                return false;
        }
        return true;
    }

    /// <summary>
    /// The object path of a unit, escaped the way systemd's <c>bus_label_escape</c> does:
    /// ASCII letters and digits (but a leading digit) stay, every other byte becomes <c>_xx</c>.
    /// </summary>
    public static string ObjectPath(string unit)
    {
        var builder = new StringBuilder(SystemdBus.UnitPathPrefix, SystemdBus.UnitPathPrefix.Length + unit.Length * 3);
        var bytes = Encoding.UTF8.GetBytes(unit);
        for (var i = 0; i < bytes.Length; i++)
        {
            var b = bytes[i];
            var keep = char.IsAsciiLetter((char)b) || (i > 0 && char.IsAsciiDigit((char)b));
            if (keep)
                builder.Append((char)b);
            else
                builder.Append('_').Append(b.ToString("x2"));
        }
        return builder.ToString();
    }
}
