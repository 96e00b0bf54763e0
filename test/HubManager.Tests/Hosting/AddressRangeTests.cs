using System.Net;
using HubManager.Hosting;

namespace HubManager.Tests.Hosting;

/// <summary>AllowFrom entries: what an address or network contains, and the sentence for each way of writing one wrong.</summary>
public class AddressRangeTests
{
    [Test]
    [Arguments("192.168.1.30", "192.168.1.30", true)]
    [Arguments("192.168.1.30", "192.168.1.31", false)]
    [Arguments("192.168.1.30/32", "192.168.1.30", true)]
    [Arguments("192.168.1.0/24", "192.168.1.255", true)]
    [Arguments("192.168.1.0/24", "192.168.2.1", false)]
    [Arguments("10.0.0.0/13", "10.7.255.255", true)]
    [Arguments("10.0.0.0/13", "10.8.0.0", false)]
    [Arguments("192.168.1.30", "::ffff:192.168.1.30", true)]
    [Arguments("192.168.1.30", "fd00::1", false)]
    [Arguments("fd00::/8", "fdff:1234::5", true)]
    [Arguments("fd00::/8", "fe80::1", false)]
    [Arguments("fd21:3::2", "fd21:3::2", true)]
    [Arguments("fd21:3::2", "10.213.0.2", false)]
    public async Task Contains_compares_the_prefix_bits(string range, string peer, bool inside)
    {
        var parsed = AddressRange.Parse(range, out var problem);

        await Assert.That(problem).IsEmpty();
        await Assert.That(parsed!.Contains(IPAddress.Parse(peer))).IsEqualTo(inside);
    }

    [Test]
    [Arguments("hub-vm", "'hub-vm' is not an IPv4 or IPv6 address or network such as 192.168.1.30, 192.168.1.0/24 or fd00::/8")]
    [Arguments("10.1", "'10.1' is not an IPv4 or IPv6 address or network")]
    [Arguments("fe80::1%eth0", "'fe80::1%eth0' is not an IPv4 or IPv6 address or network")]
    [Arguments("192.168.1.0/33", "'192.168.1.0/33' has a prefix length that is not a whole number from 1 to 32")]
    [Arguments("192.168.1.0/0", "'192.168.1.0/0' has a prefix length that is not a whole number from 1 to 32")]
    [Arguments("fd00::/+8", "'fd00::/+8' has a prefix length that is not a whole number from 1 to 128")]
    [Arguments("192.168.1.30/24", "'192.168.1.30/24' has bits set after its /24: write the network's first address, or /32 for the single address")]
    [Arguments("::ffff:192.168.1.30", "'::ffff:192.168.1.30' is an IPv4 address written as IPv6; write it as IPv4")]
    public async Task A_bad_entry_is_refused_with_a_sentence(string range, string sentence)
    {
        var parsed = AddressRange.Parse(range, out var problem);

        await Assert.That(parsed).IsNull();
        await Assert.That(problem).StartsWith(sentence);
    }
}
