using HubManager.Http;
using HubManager.Updates;

namespace HubManager.Tests.Updates;

public class ReleaseVersionTests
{
    [Test]
    [Arguments("2.0.11")]
    [Arguments("0.0.0")]
    [Arguments("1.0.0-alpha.1")]
    [Arguments("1.0.0-beta+exp.sha.5114f85")]
    [Arguments("2.0.11-rc.1+build.5")]
    [Arguments("20261202-045344")]
    [Arguments("v2")]
    [Arguments("2")]
    [Arguments("2.0")]
    [Arguments("02.0.11")]
    [Arguments("release_2026.12")]
    [Arguments("A")]
    [Arguments("2.0.11-")]
    public async Task Versions_of_the_safe_characters_are_accepted(string version)
    {
        await Assert.That(ReleaseVersion.IsValid(version)).IsTrue();
    }

    [Test]
    [Arguments("")]
    [Arguments("..")]
    [Arguments("a..b")]
    [Arguments("2.0..11")]
    [Arguments("-x")]
    [Arguments(".x")]
    [Arguments("_x")]
    [Arguments("+x")]
    [Arguments("/")]
    [Arguments("2.0.11/../../etc")]
    [Arguments("../x")]
    [Arguments("%2e")]
    [Arguments("%2e%2e")]
    [Arguments("2.0.11 ")]
    [Arguments("2 0")]
    [Arguments("2.0.11\n")]
    [Arguments("2.0.11\0")]
    [Arguments("\0")]
    [Arguments("２.0.11")]
    [Arguments("2.0.11-é")]
    [Arguments("2.0.11\\x")]
    [Arguments("1; rm -rf /")]
    [Arguments("2.0.11-$(id)")]
    [Arguments("2.0.11~1")]
    [Arguments("2.0.11:x")]
    public async Task Anything_else_is_refused(string version)
    {
        await Assert.That(ReleaseVersion.IsValid(version)).IsFalse();
    }

    [Test]
    public async Task At_most_64_characters()
    {
        var longest = "1" + new string('a', 63);
        await Assert.That(longest.Length).IsEqualTo(64);
        await Assert.That(ReleaseVersion.IsValid(longest)).IsTrue();
        await Assert.That(ReleaseVersion.IsValid(longest + "a")).IsFalse();
        await Assert.That(ReleaseVersion.Problem(longest + "a")).Contains("64");
    }

    [Test]
    public async Task The_refusal_quotes_what_was_sent_escaped()
    {
        await Assert.That(ReleaseVersion.Problem("a\nb")).EndsWith(@"not 'a\nb'");
        await Assert.That(ReleaseVersion.Problem("a..b")).Contains("'..'");
        await Assert.That(ReleaseVersion.Problem(null)).Contains("required");
    }

    /// <summary>Each row is older than the next (semver.org §11's examples, and the cases they leave implicit).</summary>
    static readonly string[] Ascending =
    [
        "0.0.0", "0.0.1", "0.1.0", "0.9.0", "0.10.0", "1.0.0-0", "1.0.0-1", "1.0.0-2", "1.0.0-10", "1.0.0-10.1", "1.0.0-A", "1.0.0-Z",
        "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0",
        "1.0.1", "1.1.0", "2.0.0", "2.0.9", "2.0.10", "2.0.11-rc.1", "2.0.11", "2.1.0", "10.0.0",
        "99999999999999999999999.0.0", "100000000000000000000000.0.0",
    ];

    [Test]
    public async Task Semver_precedence_orders_every_pair_of_the_table()
    {
        for (var i = 0; i < Ascending.Length; i++)
            for (var j = 0; j < Ascending.Length; j++)
                await Assert.That(SemanticVersion.Compare(Ascending[i], Ascending[j])).IsEqualTo(i.CompareTo(j)).Because($"{Ascending[i]} vs {Ascending[j]}");
    }

    [Test]
    [Arguments("1.0.0+build.1", "1.0.0+build.2")]
    [Arguments("1.0.0+build", "1.0.0")]
    [Arguments("2.0.11-rc.1+a", "2.0.11-rc.1+b")]
    public async Task Build_metadata_has_no_precedence(string left, string right)
    {
        await Assert.That(SemanticVersion.Compare(left, right)).IsEqualTo(0);
    }

    [Test]
    [Arguments("20261202-045344", "2.0.11")]
    [Arguments("2.0.11", "20261202-045344")]
    [Arguments("v2", "v1")]
    [Arguments("2.0", "2.0.11")]
    [Arguments("02.0.11", "2.0.11")]
    [Arguments("2.0.11-01", "2.0.11")]
    [Arguments("2.0.11-", "2.0.11")]
    [Arguments("2.0.11+", "2.0.11")]
    [Arguments("2.0.11", null)]
    public async Task A_version_outside_semver_has_no_order(string left, string? right)
    {
        await Assert.That(SemanticVersion.Compare(left, right)).IsNull();
        await Assert.That(SemanticVersion.Compare(right, left)).IsNull();
    }

    [Test]
    public async Task The_request_body_parser_takes_version_and_both_flags()
    {
        await Assert.That(UpdateEndpoints.ParseRequest("""{"version":"2.0.11","force":true,"note":{"x":[1]}}"""u8, out var force, out var allowDowngrade)).IsEqualTo("2.0.11");
        await Assert.That((force, allowDowngrade)).IsEqualTo((true, false));
        await Assert.That(UpdateEndpoints.ParseRequest("""{"allowDowngrade":true,"version":"2.0.9","force":false}"""u8, out force, out allowDowngrade)).IsEqualTo("2.0.9");
        await Assert.That((force, allowDowngrade)).IsEqualTo((false, true));
        await Assert.That(UpdateEndpoints.ParseRequest("""{}"""u8, out force, out allowDowngrade)).IsNull();
        await Assert.That((force, allowDowngrade)).IsEqualTo((false, false));
        await Assert.That(() => UpdateEndpoints.ParseRequest("""["2.0.11"]"""u8, out _, out _)).Throws<System.Text.Json.JsonException>();
        await Assert.That(() => UpdateEndpoints.ParseRequest("""{"version":"2.0.11"} x"""u8, out _, out _)).Throws<System.Text.Json.JsonException>();
    }

    [Test]
    [Arguments("""{"version":2}""", "\"version\" must be a string such as \"2.0.11\"")]
    [Arguments("""{"version":2.011}""", "\"version\" must be a string such as \"2.0.11\"")]
    [Arguments("""{"version":["2.0.11"]}""", "\"version\" must be a string such as \"2.0.11\"")]
    [Arguments("""{"version":"2.0.11","force":"true"}""", "\"force\" must be true or false")]
    [Arguments("""{"version":"2.0.11","force":1}""", "\"force\" must be true or false")]
    [Arguments("""{"version":"2.0.11","allowDowngrade":null}""", "\"allowDowngrade\" must be true or false")]
    [Arguments("""{"version":"2.0.11","allowDowngrade":[true]}""", "\"allowDowngrade\" must be true or false")]
    public async Task A_version_that_is_not_a_string_or_a_flag_that_is_not_a_boolean_is_refused_with_a_sentence(string body, string sentence)
    {
        await Assert.That(() => UpdateEndpoints.ParseRequest(System.Text.Encoding.UTF8.GetBytes(body), out _, out _)).Throws<FormatException>().WithMessage(sentence);
    }
}
