using HubManager.Signatures;
using HubManager.Tests.Updates;
using Microsoft.Extensions.Logging.Abstractions;

namespace HubManager.Tests.Signatures;

/// <summary>
/// The allowed_signers file is read strictly: every line it cannot use makes the whole file unusable with a sentence
/// naming the file and the line, a <c>cert-authority</c> is refused, and a trust file that is broken or missing where
/// it was named on purpose keeps signatures required rather than turning them off.
/// </summary>
public class AllowedSignersTests
{
    const string Key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAbVGKWDn6jaIuPgaIv8/bUB+fJnJl6vDRr7QESC3+xB";

    [Test]
    public async Task Comments_blank_lines_quotes_option_case_and_rotation_lines_are_read()
    {
        var signers = AllowedSigners.Parse("allowed_signers", $"""
            # release keys

              "ops team",release@hub NAMESPACES="hub-release",Valid-Before="20990101" {Key} old laptop
            release@hub namespaces="git,hub-*",valid-after="20200101120000Z" {Key}
            *@example.com {Key} comment with  spaces
            """);

        await Assert.That(signers.Signers.Select(s => (s.Line, s.Principals, s.Namespaces, s.ValidAfter)).ToArray()).IsEquivalentTo(new[]
        {
            (3, "\"ops team\",release@hub", (string?)"hub-release", 0L),
            (4, "release@hub", "git,hub-*", 1577880000L),
            (5, "*@example.com", null, 0L),
        });
        await Assert.That(signers.Signers[0].ValidBefore).IsGreaterThan(4_000_000_000L);
    }

    [Test]
    [Arguments("release@hub", "line 1: expected: principals [options] key-type base64-key [comment]")]
    [Arguments("release@hub ssh-ed25519", "line 1: expected: principals [options] key-type base64-key [comment]")]
    [Arguments("release@hub ssh-ed25519 !!!!", "line 1: the ssh-ed25519 key is not base64")]
    [Arguments("release@hub ssh-rsa " + "AAAAC3NzaC1lZDI1NTE5AAAAIAbVGKWDn6jaIuPgaIv8/bUB+fJnJl6vDRr7QESC3+xB", "line 1: the key says it is ssh-ed25519, not ssh-rsa")]
    [Arguments("release@hub cert-authority " + Key, "line 1: cert-authority (a certificate authority) is not supported for releases; list the signing keys themselves")]
    [Arguments("release@hub namespaces=hub-release " + Key, "line 1: the value of namespaces must be in double quotes")]
    [Arguments("release@hub namespaces=\"hub-release " + Key, "line 1: a quoted value is not closed")]
    [Arguments("release@hub valid-before=\"tomorrow\" " + Key, "line 1: valid-before=\"tomorrow\" is not a time such as 20270101 or 20270101120000Z")]
    [Arguments("release@hub valid-after=\"20991341\" " + Key, "line 1: valid-after=\"20991341\" is not a time such as 20270101 or 20270101120000Z")]
    [Arguments("release@hub no-touch-required " + Key, "line 1: the no-touch-required key is not base64")]
    [Arguments("release@hub principals=\"x\" " + Key, "line 1: unknown option principals (allowed: namespaces, valid-after, valid-before)")]
    [Arguments("release@hub namespaces=\"a\",namespaces=\"b\" " + Key, "line 1: namespaces is given twice")]
    [Arguments("release@hub namespaces=\"a\",, " + Key, "line 1: option  has no value")]
    public async Task A_line_it_cannot_use_makes_the_file_unusable_with_the_line_and_the_reason(string line, string expected)
    {
        var refusal = Assert.Throws<SignatureException>(() => AllowedSigners.Parse("/etc/hub-manager/allowed_signers", line + "\n"));

        await Assert.That(refusal.Message).IsEqualTo("the allowed signers file /etc/hub-manager/allowed_signers is unusable: " + expected);
    }

    [Test]
    public async Task Signatures_are_off_only_without_keys_and_required_when_the_file_is_broken_or_missing_on_purpose()
    {
        using var dir = new TempDir();
        var empty = Path.Combine(dir.Path, "empty");
        var broken = Path.Combine(dir.Path, "broken");
        var link = Path.Combine(dir.Path, "link");
        var missing = Path.Combine(dir.Path, "missing");
        await File.WriteAllTextAsync(empty, "# nobody yet\n\n");
        await File.WriteAllTextAsync(broken, "release@hub cert-authority " + Key + "\n");
        File.CreateSymbolicLink(link, empty);
        string Mode(string path) => new ReleaseTrust(path, NullLogger<ReleaseTrust>.Instance).Mode;

        await Assert.That(Mode(empty)).IsEqualTo("off");
        await Assert.That(Mode(broken)).IsEqualTo("required");
        await Assert.That(Mode(link)).IsEqualTo("required");
        await Assert.That(Mode(missing)).IsEqualTo("required");
        await Assert.That(Assert.Throws<SignatureException>(() => new ReleaseTrust(missing, NullLogger<ReleaseTrust>.Instance).Load()).Message)
            .IsEqualTo($"the allowed signers file {missing} (Update:AllowedSigners) does not exist; signatures stay required until it does (the manager's unit cannot see /home or /root)");
        await Assert.That(Assert.Throws<SignatureException>(() => new ReleaseTrust(link, NullLogger<ReleaseTrust>.Instance).Load()).Message)
            .IsEqualTo($"the allowed signers file cannot be read: {link} is a symbolic link; it is not followed");
    }
}
