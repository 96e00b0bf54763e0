using System.Net;
using System.Net.Sockets;

namespace HubManager.Hosting;

/// <summary>
/// One entry of <c>AllowFrom</c>: an IPv4 or IPv6 address, or a network in CIDR notation (<c>192.168.1.30</c>,
/// <c>192.168.1.0/24</c>, <c>fd00::/8</c>). <see cref="Contains"/> compares bytes on the stack, so checking a
/// request's peer allocates nothing. Written by hand rather than with <c>System.Net.IPNetwork</c>: the parse
/// errors name exactly what is wrong, and the binary does not carry IPNetwork's parsing and formatting code.
/// </summary>
public sealed class AddressRange
{
    readonly byte[] network;

    AddressRange(IPAddress address, int prefixLength)
    {
        network = address.GetAddressBytes();
        Family = address.AddressFamily;
        PrefixLength = prefixLength;
    }

    public AddressFamily Family { get; }
    public int PrefixLength { get; }

    /// <summary>
    /// True when <paramref name="peer"/> lies in this range. An IPv4 peer seen through a dual-stack socket
    /// (<c>::ffff:192.168.1.30</c>) is compared as the IPv4 address it is.
    /// </summary>
    public bool Contains(IPAddress peer)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (!peer.TryWriteBytes(bytes, out var length))
            return false;
        ReadOnlySpan<byte> address = bytes[..length];
        if (Family == AddressFamily.InterNetwork && length == 16 && peer.IsIPv4MappedToIPv6)
            address = address[12..];
        if (address.Length != network.Length)
            return false;
        var whole = PrefixLength / 8;
        if (!address[..whole].SequenceEqual(network.AsSpan(0, whole)))
            return false;
        var rest = PrefixLength % 8;
        if (rest == 0)
            return true;
        var mask = (byte)(0xFF << (8 - rest));
        return (address[whole] & mask) == network[whole];
    }

    /// <summary>
    /// Parses one entry; null with <paramref name="problem"/> (a sentence without the key) when it is not an address
    /// or network. A network with bits set after its prefix (<c>192.168.1.30/24</c>) is refused rather than
    /// guessed at: it is as likely a typo for <c>/32</c> as for <c>192.168.1.0/24</c>.
    /// </summary>
    public static AddressRange? Parse(string text, out string problem)
    {
        problem = "";
        var slash = text.IndexOf('/');
        var addressText = slash < 0 ? text : text[..slash];
        if (!TryParseAddress(addressText, out var address))
        {
            problem = $"'{text}' is not an IPv4 or IPv6 address or network such as 192.168.1.30, 192.168.1.0/24 or fd00::/8";
            return null;
        }
        if (address.IsIPv4MappedToIPv6)
        {
            problem = $"'{text}' is an IPv4 address written as IPv6; write it as IPv4";
            return null;
        }
        var bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = bits;
        if (slash >= 0 && !(int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, null, out prefix) && prefix >= 1 && prefix <= bits))
        {
            problem = $"'{text}' has a prefix length that is not a whole number from 1 to {bits}";
            return null;
        }
        var range = new AddressRange(address, prefix);
        if (!HostBitsClear(range.network, prefix))
        {
            problem = $"'{text}' has bits set after its /{prefix}: write the network's first address, or /{bits} for the single address";
            return null;
        }
        return range;
    }

    // IPAddress.TryParse also takes "10.1" and "167772161" for 10.0.0.1; a configuration names addresses as written
    // everywhere else: four decimal parts, or IPv6 without a zone.
    static bool TryParseAddress(string text, out IPAddress address)
    {
        address = IPAddress.None;
        if (text.Contains(':'))
            return !text.Contains('%') && IPAddress.TryParse(text, out address!) && address.AddressFamily == AddressFamily.InterNetworkV6;
        var dots = 0;
        foreach (var c in text)
        {
            if (c == '.')
                dots++;
            else if (!char.IsAsciiDigit(c))
                return false;
        }
        return dots == 3 && IPAddress.TryParse(text, out address!);
    }

    static bool HostBitsClear(byte[] bytes, int prefix)
    {
        for (var bit = prefix; bit < bytes.Length * 8; bit++)
        {
            if ((bytes[bit / 8] & (0x80 >> (bit % 8))) != 0)
                return false;
        }
        return true;
    }
}
