using System.Net;
using System.Text;
using HubManager.Hosting;
using HubManager.Tests.Sandbox;
using Microsoft.Extensions.Configuration;

namespace HubManager.Tests.Hosting;

/// <summary>
/// The AllowFrom key: a JSON array in the file or a comma-separated string from the environment or the command line
/// (which replaces the array), each bad entry refused with its exact key, and listening beyond loopback allowed once
/// AllowFrom or ApiToken is set.
/// </summary>
public class AllowFromConfigurationTests
{
    /// <summary>The file's JSON, then <paramref name="allowFrom"/> as the environment or command line would give it.</summary>
    static HubManagerOptions Load(string json, string? allowFrom = null) =>
        HubManagerOptions.Load(new ConfigurationBuilder()
            .AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json)))
            .AddInMemoryCollection(allowFrom is null ? [] : [new KeyValuePair<string, string?>("AllowFrom", allowFrom)])
            .Build());

    static async Task<string> RefusalAsync(string json, string? allowFrom = null)
    {
        try
        {
            Load(json, allowFrom);
        }
        catch (ConfigurationException refused)
        {
            return refused.Message;
        }
        throw new InvalidOperationException("the configuration was accepted");
    }

    static bool Allows(HubManagerOptions options, string peer) => options.AllowFrom.Any(range => range.Contains(IPAddress.Parse(peer)));

    [Test]
    public async Task A_json_array_and_a_listener_on_every_address_are_accepted_without_a_token()
    {
        var options = Load("""{"Listen": "0.0.0.0:3081", "AllowFrom": ["192.168.1.30/32", "fd00::/8"]}""");

        await Assert.That(options.Listen.ToString()).IsEqualTo("0.0.0.0:3081");
        await Assert.That(options.AllowFrom.Length).IsEqualTo(2);
        await Assert.That(Allows(options, "192.168.1.30")).IsTrue();
        await Assert.That(Allows(options, "fd12::1")).IsTrue();
        await Assert.That(Allows(options, "192.168.1.31")).IsFalse();
        await Assert.That(options.ApiToken).IsNull();
    }

    [Test]
    public async Task A_comma_separated_string_replaces_the_array_and_an_empty_one_clears_it()
    {
        var replaced = Load("""{"AllowFrom": ["192.168.1.30"]}""", "10.0.0.5, 10.1.0.0/16");
        var cleared = Load("""{"AllowFrom": ["192.168.1.30"]}""", "");

        await Assert.That(replaced.AllowFrom.Length).IsEqualTo(2);
        await Assert.That(Allows(replaced, "10.1.2.3")).IsTrue();
        await Assert.That(Allows(replaced, "192.168.1.30")).IsFalse();
        await Assert.That(cleared.AllowFrom).IsEmpty();
    }

    [Test]
    public async Task A_bad_entry_is_refused_with_its_exact_key()
    {
        await Assert.That(await RefusalAsync("""{"AllowFrom": ["192.168.1.30", "192.168.1.30/24"]}"""))
            .StartsWith("AllowFrom:1: '192.168.1.30/24' has bits set after its /24");
        await Assert.That(await RefusalAsync("{}", "192.168.1.30,hub-vm"))
            .StartsWith("AllowFrom: 'hub-vm' is not an IPv4 or IPv6 address");
        await Assert.That(await RefusalAsync("""{"AllowFrom": [{"address": "192.168.1.30"}]}"""))
            .StartsWith("AllowFrom:0: '(not a string)' is not an IPv4 or IPv6 address");
        await Assert.That(await RefusalAsync("{}", string.Join(',', Enumerable.Range(1, HubManagerOptions.MaxAllowFrom + 1).Select(i => $"10.0.0.{i}"))))
            .IsEqualTo($"AllowFrom: has {HubManagerOptions.MaxAllowFrom + 1} entries; at most {HubManagerOptions.MaxAllowFrom} (use networks such as 192.168.1.0/24)");
    }

    [Test]
    public async Task Listening_beyond_loopback_needs_AllowFrom_or_ApiToken()
    {
        await Assert.That(await RefusalAsync("""{"Listen": "[::]:3081"}"""))
            .IsEqualTo("Listen: [::]:3081 is not a loopback address; set AllowFrom or ApiToken (or the api-token credential) to listen beyond loopback");
        await Assert.That(Load("""{"Listen": "[::]:3081", "AllowFrom": ["fd00::1"]}""").Listen.Port).IsEqualTo(3081);
    }

    /// <summary>The shipped binary: exit 78 and one line naming the key, from the command line and from the environment.</summary>
    [Test]
    public async Task The_binary_refuses_a_bad_entry_at_start_up()
    {
        var fromArgs = await Shell.RunAsync(Repository.ManagerBinary, ["--Listen=0.0.0.0:3081", "--AllowFrom=192.168.1.30/24"]);
        var withoutEither = await Shell.RunAsync(Repository.ManagerBinary, ["--Listen=0.0.0.0:3081", "--AllowFrom="]);

        await Assert.That(fromArgs.ExitCode).IsEqualTo(78);
        await Assert.That(fromArgs.Stderr.TrimEnd()).IsEqualTo(
            "hub-manager: invalid configuration: AllowFrom: '192.168.1.30/24' has bits set after its /24: write the network's first address, or /32 for the single address");
        await Assert.That(withoutEither.ExitCode).IsEqualTo(78);
        await Assert.That(withoutEither.Stderr).Contains("set AllowFrom or ApiToken");
    }
}
