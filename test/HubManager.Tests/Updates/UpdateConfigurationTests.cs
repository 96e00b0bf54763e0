using HubManager.Hosting;
using HubManager.Tests.Sandbox;
using Microsoft.Extensions.Configuration;

namespace HubManager.Tests.Updates;

/// <summary>The update keys, validated like every other key (one line naming the key, exit 78).</summary>
public class UpdateConfigurationTests
{
    [Test]
    public async Task Update_defaults_are_the_documented_ones()
    {
        var options = HubManagerOptions.Load(new ConfigurationBuilder().Build());

        await Assert.That(options.Update.RequireChecksum).IsFalse();
        await Assert.That(options.Update.AllowedSigners).IsEqualTo("/etc/hub-manager/allowed_signers");
        await Assert.That(options.Update.MaxEntries).IsEqualTo(200_000);
        await Assert.That(options.Update.MaxExtractedBytes).IsEqualTo(8L << 30);
        await Assert.That(options.Nas.PasswordFile).IsNull();
        await Assert.That(options.Nas.Limits).IsEqualTo(new NasLimits
        {
            ReadTimeout = TimeSpan.FromSeconds(30), ExchangeTimeout = TimeSpan.FromSeconds(60),
            MinBytesPerSecond = 1024, RateWindow = TimeSpan.FromSeconds(60),
        });
    }

    [Test]
    public async Task Update_keys_are_read()
    {
        var options = HubManagerOptions.Load(new ConfigurationBuilder().AddInMemoryCollection([
            new("Update:RequireChecksum", "true"), new("Update:MaxEntries", "10"), new("Update:MaxExtractedBytes", "1048576"),
            new("Nas:PasswordFile", "/etc/hub-manager/nas-password"), new("Nas:ReadTimeoutSeconds", "5"), new("Nas:ExchangeTimeoutSeconds", "7"),
            new("Nas:MinBytesPerSecond", "0"), new("Nas:RateWindowSeconds", "9"), new("Update:AllowedSigners", "/srv/keys/allowed_signers")]).Build());

        await Assert.That(options.Update.RequireChecksum).IsTrue();
        await Assert.That(options.Update.AllowedSigners).IsEqualTo("/srv/keys/allowed_signers");
        await Assert.That(options.Update.MaxEntries).IsEqualTo(10);
        await Assert.That(options.Update.MaxExtractedBytes).IsEqualTo(1048576);
        await Assert.That(options.Nas.PasswordFile).IsEqualTo("/etc/hub-manager/nas-password");
        await Assert.That(options.Nas.Limits).IsEqualTo(new NasLimits
        {
            ReadTimeout = TimeSpan.FromSeconds(5), ExchangeTimeout = TimeSpan.FromSeconds(7),
            MinBytesPerSecond = 0, RateWindow = TimeSpan.FromSeconds(9),
        });
    }

    [Test]
    [Arguments("Update:RequireChecksum", "--Update:RequireChecksum=maybe")]
    [Arguments("Update:AllowedSigners", "--Update:AllowedSigners=allowed_signers")]
    [Arguments("Update:MaxEntries", "--Update:MaxEntries=0")]
    [Arguments("Update:MaxEntries", "--Update:MaxEntries=lots")]
    [Arguments("Update:MaxExtractedBytes", "--Update:MaxExtractedBytes=-1")]
    [Arguments("Nas:PasswordFile", "--Nas:PasswordFile=nas-password")]
    [Arguments("Nas:ReadTimeoutSeconds", "--Nas:ReadTimeoutSeconds=0")]
    [Arguments("Nas:ExchangeTimeoutSeconds", "--Nas:ExchangeTimeoutSeconds=1m")]
    [Arguments("Nas:MinBytesPerSecond", "--Nas:MinBytesPerSecond=-5")]
    [Arguments("Nas:RateWindowSeconds", "--Nas:RateWindowSeconds=3601")]
    public async Task Bad_update_keys_exit_78_with_one_line_naming_the_key(string key, string argument)
    {
        var result = await Shell.RunAsync(Repository.ManagerBinary, [argument]);

        await Assert.That(result.ExitCode).IsEqualTo(78);
        await Assert.That(result.Stderr.TrimEnd().Split('\n')).HasSingleItem();
        await Assert.That(result.Stderr).StartsWith($"hub-manager: invalid configuration: {key}");
    }
}
